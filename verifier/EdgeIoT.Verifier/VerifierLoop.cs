using System.Threading.Channels;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Verifier;

/// <summary>
/// The only thread that touches the verifier core and the database. It drains every queued input,
/// then persists everything decided in one SQL transaction (group commit), applies it to the cache,
/// advances the core, and only then hands the decisions to the responder: a device is never told
/// about a commit that a crash could still lose.
/// </summary>
public sealed class VerifierLoop
{
    public const int QueueCapacity = 65_536;
    private const int MaxInputsPerRound = 4_096;
    /// <summary>
    /// How often the host hands the loop the ticks that elapsed. The verifier's timers (complaints about a
    /// zone, §5.1.3) are seconds long; at protocol.tickMs (1 ms) the timer thread, a pool thread and this
    /// loop woke a thousand times a second each for nothing.
    /// </summary>
    public const int TickPeriodMs = 10;

    private readonly VerifierCore _core;
    private readonly VerifierDatabase _database;
    private readonly CommittedStateCache _cache;
    private readonly Responder _responder;
    private readonly ILogger _logger;
    private readonly Channel<Input> _inputs = Channel.CreateBounded<Input>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public VerifierLoop(VerifierCore core, VerifierDatabase database, CommittedStateCache cache, Responder responder, ILogger logger)
    {
        _core = core;
        _database = database;
        _cache = cache;
        _responder = responder;
        _logger = logger;
    }

    public long QueueFullDrops;

    /// <summary>Queues a vote without blocking; false when the queue is full (the executor retries).</summary>
    public bool TryEnqueue(VerifyVote vote)
    {
        if (_inputs.Writer.TryWrite(new Input(vote, null, null))) return true;
        Interlocked.Increment(ref QueueFullDrops);
        return false;
    }

    /// <summary>Asks the loop about a device transaction (the device's direct request, §5.1.2).</summary>
    public Task<(ClientVerdict Verdict, DecidedEntry? Decided)> QueryAsync(DeviceTransaction tx, CancellationToken ct)
    {
        var answer = new TaskCompletionSource<(ClientVerdict, DecidedEntry?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new Input(null, tx, answer))) answer.SetException(new InvalidOperationException("verifier is overloaded"));
        return answer.Task.WaitAsync(ct);
    }

    public void Tick(int ticks) => _inputs.Writer.TryWrite(new Input(null, null, null, ticks));

    public async Task RunAsync(CancellationToken ct)
    {
        var reader = _inputs.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                for (var handled = 0; handled < MaxInputsPerRound && reader.TryRead(out var input); handled++)
                    Handle(input);
                var decided = _core.TakeReady();
                if (decided.Count > 0)
                {
                    _database.Persist(decided);
                    _cache.Apply(decided);
                }
                _core.Advance();
                foreach (var batch in decided) _responder.Enqueue(batch);
                foreach (var notice in _core.TakeNotices()) _responder.Enqueue(notice);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Handle(Input input)
    {
        if (input.Vote is { } vote)
        {
            var verdict = _core.OnVerify(vote);
            if (verdict is VoteVerdict.TooFarAhead or VoteVerdict.UnknownZone)
                _logger.LogDebug("VERIFY from executor {Executor} for {Zone}/{Seq} dropped: {Verdict}", vote.Executor, vote.Zone, vote.Seq, verdict);
        }
        else if (input.Query is { } tx)
        {
            var verdict = _core.OnClientRequest(tx, out var entry);
            if (verdict != ClientVerdict.Decided)
                _logger.LogInformation("device {Device} asked about {Timestamp}: {Verdict}", tx.DeviceId, tx.Timestamp, verdict);
            input.Answer!.SetResult((verdict, entry));
        }
        else
        {
            for (var i = 0; i < input.Ticks; i++) _core.Tick();
        }
    }

    private readonly record struct Input(VerifyVote? Vote, DeviceTransaction? Query, TaskCompletionSource<(ClientVerdict, DecidedEntry?)>? Answer, int Ticks = 0);
}
