using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// One gateway's PBFT replica for its zone (serverlessbft §4.2, §5; Castro &amp; Liskov), as a pure
/// state machine: no I/O, no threads, no clock. The host feeds it authenticated inputs —
/// <see cref="Propose"/> (a device transaction from MQTT), <see cref="Step"/> (a peer message that
/// <see cref="PeerMessageAuthenticator"/> accepted, and for a PRE-PREPARE whose every transaction it
/// admitted), <see cref="OnDecided"/> (a verifier-signed notice), <see cref="OnVerifierComplaint"/>
/// and <see cref="Tick"/> — and after each input collects <see cref="TakeReady"/>: state to persist,
/// then messages to send, and batches committed.
///
/// Several sequence numbers are in flight at once within the window (h, h + L], where h is the highest
/// sequence number the verifier has decided; batches commit and are delivered in any order. A
/// suspected primary is replaced by the view change (<c>PbftReplica.ViewChange.cs</c>).
/// </summary>
public sealed partial class PbftReplica
{
    private readonly ReplicaOptions _options;
    private readonly SigningKey _key;
    private readonly string _zone;
    private readonly SortedDictionary<ulong, LogEntry> _log = new();
    private ReplicaReady _ready = new();
    private long _tick;

    public PbftReplica(ReplicaOptions options, SigningKey key)
    {
        if ((uint)options.SelfIndex >= (uint)options.N) throw new ArgumentOutOfRangeException(nameof(options), "self index outside the zone");
        if (options.N < 3 * options.F + 1) throw new ArgumentException($"n={options.N} cannot tolerate f={options.F}");
        if (options.Zone.Gateways[options.SelfIndex].Key != key.PublicKey)
            throw new ArgumentException($"the key is not {options.Zone.Gateways[options.SelfIndex].Id}'s registered key");
        _options = options;
        _key = key;
        _zone = options.Zone.Id;
        _batchTimeoutTicks = options.Protocol.Ticks(options.Protocol.BatchTimeoutMs);
        _requestTimeoutTicks = options.Protocol.Ticks(options.Protocol.RequestTimeoutMs);
        _viewChangeTimeoutTicks = options.Protocol.Ticks(options.Protocol.ViewChangeTimeoutMs);
        _retransmitTimeoutTicks = options.Protocol.Ticks(options.Protocol.RetransmitTimeoutMs);
        NextSeq = 1;
    }

    public int Self => _options.SelfIndex;
    public string ZoneId => _zone;
    public ulong View { get; private set; }
    public bool IsViewChanging { get; private set; }
    /// <summary>The view this replica is trying to move to while <see cref="IsViewChanging"/>.</summary>
    public ulong TargetView { get; private set; }
    public bool IsPrimary => !IsViewChanging && _options.Primary(View) == Self;
    public int PrimaryIndex => _options.Primary(View);
    /// <summary>h: every sequence number up to here is decided by the verifier; nothing at or below it is kept.</summary>
    public ulong LowWatermark { get; private set; }
    public ulong HighWatermark => LowWatermark + (ulong)_options.Protocol.WindowBatches;
    /// <summary>The next sequence number this replica would assign as primary.</summary>
    public ulong NextSeq { get; private set; }
    public long NowTicks => _tick;
    public ReplicaMetrics Metrics { get; } = new();

    public ReplicaReady TakeReady()
    {
        var ready = _ready;
        _ready = new ReplicaReady();
        return ready;
    }

    public void Tick()
    {
        _tick++;
        OnTickBatching();
        OnTickTimers();
    }

    /// <summary>An authenticated message from gateway <paramref name="from"/> of this zone.</summary>
    public void Step(int from, PeerMessage message)
    {
        if ((uint)from >= (uint)_options.N || from == Self)
            throw new ArgumentOutOfRangeException(nameof(from), "the host passed a message from outside the zone or from self");
        switch (message.KindCase)
        {
            case PeerMessage.KindOneofCase.PrePrepare: OnPrePrepare(from, message.PrePrepare); break;
            case PeerMessage.KindOneofCase.Prepare: OnPrepare(from, message.Prepare); break;
            case PeerMessage.KindOneofCase.Commit: OnCommit(from, message.Commit); break;
            case PeerMessage.KindOneofCase.ViewChange: OnViewChange(from, message.ViewChange); break;
            case PeerMessage.KindOneofCase.NewView: OnNewView(from, message.NewView); break;
            case PeerMessage.KindOneofCase.Checkpoint: OnCheckpoint(from, message.Checkpoint); break;
            case PeerMessage.KindOneofCase.Fetch: OnFetch(from, message.Fetch); break;
            case PeerMessage.KindOneofCase.Committed: OnCommittedEntries(message.Committed); break;
            case PeerMessage.KindOneofCase.FetchNewView: OnFetchNewView(from, message.FetchNewView); break;
            case PeerMessage.KindOneofCase.Forwarded: OnForwardedNotice(from, message.Forwarded); break;
            case PeerMessage.KindOneofCase.Suspect: OnSuspect(from, message.Suspect); break;
            default: Metrics.Ignored++; break;
        }
    }

    /// <summary>
    /// Sequence numbers whose messages this replica keeps and acts on: up to two windows above h. The
    /// primary proposes only within its own window (h + L), but a backup may learn of a decision later
    /// than the primary: with just one window it would drop a proposal at the top of the primary's
    /// window, and PBFT never retransmits it.
    /// </summary>
    private bool InWindow(ulong seq) => seq > LowWatermark && seq <= LowWatermark + 2 * (ulong)_options.Protocol.WindowBatches;

    private LogEntry Entry(ulong seq)
    {
        if (!_log.TryGetValue(seq, out var entry)) _log[seq] = entry = new LogEntry(seq, _options.N);
        return entry;
    }

    private void Broadcast(PeerMessage message) => _ready.Messages.Add(new Outbound(null, message));
    private void Send(int to, PeerMessage message) => _ready.Messages.Add(new Outbound(to, message));
}

/// <summary>Counters for operators and tests.</summary>
public sealed class ReplicaMetrics
{
    public long Ignored, OutsideWindow, BelowWindow, WrongView, Equivocations, BadDigest;
    public long BatchesProposed, BatchesCommitted, RequestsRefused;
    public long ViewChangesStarted, ViewsInstalled, NewViewsRejected, CheckpointsStable, BatchesCaughtUp, ForwardedComplaints, Suspicions;
}
