using System.Threading.Channels;
using EdgeIoT.Core.Net;

namespace EdgeIoT.Bench.Cluster;

/// <summary>
/// The one thread that owns a replica's protocol state (as the gateway's protocol loop does): inputs
/// queue here from the links' receive threads and a 1 ms ticker, and are stepped one at a time.
/// </summary>
internal abstract class ReplicaLoop : IAsyncDisposable
{
    private const int QueueCapacity = 200_000;
    private readonly Channel<ReplicaInput> _inputs = Channel.CreateBounded<ReplicaInput>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop, _ticker;
    protected PeerLinks Links = null!;

    protected ReplicaLoop(ClusterSpec spec, int index)
    {
        Spec = spec;
        Index = index;
    }

    public ClusterSpec Spec { get; }
    public int Index { get; }
    public long InputsDropped;

    public async Task StartAsync(CancellationToken ct)
    {
        Links = NodeLinks.Open(Spec, Index, OnFrame);
        await Links.StartAsync(ct);
        _loop = Task.Factory.StartNew(() => RunAsync(_stop.Token), TaskCreationOptions.LongRunning).Unwrap();
        _ticker = Task.Run(() => TickAsync(_stop.Token));
    }

    /// <summary>Waits until this replica reaches every other replica.</summary>
    public Task WaitConnectedAsync(CancellationToken ct) => NodeLinks.WaitConnectedAsync(Links, Enumerable.Range(0, Spec.Replicas), TimeSpan.FromSeconds(30), ct);

    /// <summary>Called on a receive thread: parse (and for PBFT authenticate) here, in parallel across peers.</summary>
    private void OnFrame(int from, ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0 || !TryDecode(from, (ClusterFrame)payload.Span[0], payload[1..], out var input)) return;
        if (!_inputs.Writer.TryWrite(input)) Interlocked.Increment(ref InputsDropped);
    }

    protected abstract bool TryDecode(int from, ClusterFrame kind, ReadOnlyMemory<byte> body, out ReplicaInput input);
    protected abstract void Step(in ReplicaInput input);

    private async Task RunAsync(CancellationToken ct)
    {
        var reader = _inputs.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
                while (reader.TryRead(out var input)) Step(input);
        }
        catch (OperationCanceledException) { }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long ticked = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                // Timers on a busy machine fire late: hand over every millisecond that passed.
                var due = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds - ticked;
                if (due <= 0) continue;
                ticked += due;
                _inputs.Writer.TryWrite(new ReplicaInput(-1, 0, default, Ticks: (int)Math.Min(due, 1000)));
            }
        }
        catch (OperationCanceledException) { }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        if (_ticker is not null) await _ticker;
        if (Links is not null) await Links.DisposeAsync();
        _stop.Dispose();
    }
}
