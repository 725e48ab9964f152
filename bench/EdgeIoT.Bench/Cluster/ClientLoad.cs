using System.Diagnostics;
using EdgeIoT.Bench.Results;
using EdgeIoT.Core.Net;

namespace EdgeIoT.Bench.Cluster;

/// <summary>What the clients measured after the warm-up.</summary>
/// <param name="ProcessCpuSeconds">CPU time this process used while measuring: the whole cluster's when it runs in this process.</param>
public sealed record ClusterLoadResult(long Completed, double MeasuredSeconds, double ThroughputTps, LatencyPercentiles Latency, long Sent, double ProcessCpuSeconds);

/// <summary>
/// The cluster's client node: <see cref="ClusterSpec.Clients"/> closed-loop clients (each sends its
/// next request only when the previous one completed) over one set of peer links. A PBFT request goes
/// to every replica and completes at f+1 matching replies; a Paxos request goes to the leader and
/// completes at its reply. Event-driven: replies complete requests on the receive threads, which send
/// the next request at once, so the load generator spends no thread per client.
/// </summary>
public sealed class ClientLoad : IAsyncDisposable
{
    private const int SamplesMax = 5_000_000;

    private readonly ClusterSpec _spec;
    private readonly Client[] _clients;
    private readonly List<double> _samples = new();
    private readonly Lock _samplesLock = new();
    private PeerLinks _links = null!;
    private volatile bool _measuring, _running;
    private long _completed, _sent;

    public ClientLoad(ClusterSpec spec)
    {
        spec.EnsureValid();
        _spec = spec;
        _clients = Enumerable.Range(0, spec.Clients).Select(i => new Client(i)).ToArray();
    }

    public async Task StartAsync(CancellationToken ct)
    {
        _links = NodeLinks.Open(_spec, _spec.ClientNode, OnFrame);
        await _links.StartAsync(ct);
    }

    /// <summary>Waits for the links to every replica, runs warm-up then measurement, and stops the clients.</summary>
    public async Task<ClusterLoadResult> RunAsync(CancellationToken ct)
    {
        await NodeLinks.WaitConnectedAsync(_links, Enumerable.Range(0, _spec.Replicas), TimeSpan.FromSeconds(60), ct);
        _running = true;
        foreach (var client in _clients) lock (client) Send(client);
        await Task.Delay(TimeSpan.FromSeconds(_spec.WarmupSeconds), ct);
        var completedAtStart = Interlocked.Read(ref _completed);
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        _measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(_spec.Seconds - _spec.WarmupSeconds), ct);
        _measuring = false;
        var measured = clock.Elapsed.TotalSeconds;
        var completed = Interlocked.Read(ref _completed) - completedAtStart;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds;
        _running = false;
        List<double> samples;
        lock (_samplesLock) samples = [.. _samples];
        return new ClusterLoadResult(completed, Math.Round(measured, 3), Math.Round(completed / measured, 1), LatencyPercentiles.Of(samples), Interlocked.Read(ref _sent), Math.Round(cpuSeconds, 3));
    }

    private void Send(Client client)
    {
        client.Number++;
        client.Replied.Clear();
        client.SentAt = Stopwatch.GetTimestamp();
        var request = ClusterWire.Request(new RequestId(client.Index, client.Number), _spec.RequestBytes);
        if (_spec.Protocol == ClusterProtocol.Paxos) _links.Send(0, request);
        else NodeLinks.SendToReplicas(_links, _spec, _spec.ClientNode, request);
        Interlocked.Increment(ref _sent);
    }

    private void OnFrame(int from, ReadOnlyMemory<byte> payload)
    {
        if (from >= _spec.Replicas || payload.Length == 0 || payload.Span[0] != (byte)ClusterFrame.Replies) return;
        var ids = new List<RequestId>();
        if (!ClusterWire.TryParseReplies(payload.Span[1..], ids)) return;
        foreach (var id in ids)
        {
            if ((uint)id.Client >= (uint)_clients.Length) continue;
            var client = _clients[id.Client];
            lock (client)
            {
                // Only the outstanding request counts; a reply for an earlier one is a straggler.
                if (id.Number != client.Number || !client.Replied.Add(from) || client.Replied.Count != _spec.RepliesNeeded) continue;
                var latencyMs = Stopwatch.GetElapsedTime(client.SentAt).TotalMilliseconds;
                Interlocked.Increment(ref _completed);
                if (_measuring)
                    lock (_samplesLock)
                        if (_samples.Count < SamplesMax) _samples.Add(latencyMs);
                if (_running) Send(client);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _running = false;
        if (_links is not null) await _links.DisposeAsync();
    }

    private sealed class Client(int index)
    {
        public int Index { get; } = index;
        public ulong Number;
        public long SentAt;
        public HashSet<int> Replied { get; } = [];
    }
}
