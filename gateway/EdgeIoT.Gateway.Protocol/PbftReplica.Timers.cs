namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Detecting a faulty primary (serverlessbft §5.1.1, §5.1.4-5.1.5). A backup suspects the primary when
/// a request it saw is neither proposed nor decided in time (S1), when a proposal it accepted does not
/// commit in time (S2), when the verifier's complaint is not answered (retransmission timer Υ), or when
/// the verifier asks for replacement (REPLACE, S3). A view change that does not finish in time moves on
/// to the next view with a doubled timeout.
/// </summary>
public sealed partial class PbftReplica
{
    private readonly int _requestTimeoutTicks;
    private readonly int _retransmitTimeoutTicks;
    private long _retransmitDeadlineTick = -1;
    /// <summary>Replicas that suspect the primary of the current view (this one included).</summary>
    private readonly HashSet<int> _suspicions = new();
    private ulong _suspectedView = ulong.MaxValue;
    private long _suspectedTick;
    private string _suspectReason = "";

    /// <summary>
    /// This replica's timer fired: tell the others and keep working in the view. f+1 suspicions mean at
    /// least one correct replica saw the primary fail, and then everyone moves (Castro &amp; Liskov's
    /// f+1 rule, applied before anyone leaves the view).
    /// </summary>
    /// <summary>Another part of this gateway — the global coordinator (ziziphus §3.3) — saw the zone's primary fail.</summary>
    public void SuspectPrimary(string reason)
    {
        if (!IsViewChanging && !IsPrimary) Suspect(reason);
    }

    private void Suspect(string reason)
    {
        if (_suspectedView == View) return;
        _suspectedView = View;
        _suspectedTick = _tick;
        _suspectReason = reason.Length > 200 ? reason[..200] : reason;
        Metrics.Suspicions++;
        _ready.Suspicions.Add((View, reason));
        Broadcast(new Wire.PeerMessage { Suspect = new Wire.Suspect { View = View, Reason = _suspectReason } });
        CountSuspicion(Self, View);
    }

    private void OnSuspect(int from, Wire.Suspect suspect)
    {
        if (suspect.View != View || IsViewChanging) return;
        CountSuspicion(from, suspect.View);
    }

    private void CountSuspicion(int from, ulong view)
    {
        if (_suspicionsView != view)
        {
            _suspicions.Clear();
            _suspicionsView = view;
        }
        _suspicions.Add(from);
        if (_suspicions.Count >= _options.F + 1)
            StartViewChange(view + 1, $"{_suspicions.Count} gateways suspect primary {_options.Primary(view)} of view {view}");
    }

    private ulong _suspicionsView = ulong.MaxValue;

    private void OnTickTimers()
    {
        if (IsViewChanging)
        {
            if (_viewChangeDeadlineTick >= 0 && _tick >= _viewChangeDeadlineTick)
                StartViewChange(TargetView + 1, $"view change to {TargetView} did not complete in time");
            return;
        }
        if (_retransmitDeadlineTick >= 0 && _tick >= _retransmitDeadlineTick)
        {
            _retransmitDeadlineTick = -1;
            Suspect("the primary did not answer the verifier's complaint in time (§5.1.4)");
            return;
        }
        if (IsPrimary) return;
        if (_suspectedView == View)
        {
            // A SUSPECT sent once can be lost (a partition, a link reset); unheard, f+1 suspicions may
            // never gather while the primary stalls the zone for good. Say it again each period.
            if (_tick - _suspectedTick >= _retransmitTimeoutTicks)
            {
                _suspectedTick = _tick;
                Broadcast(new Wire.PeerMessage { Suspect = new Wire.Suspect { View = View, Reason = _suspectReason } });
            }
            return;
        }
        if (_pending.First is { } oldest && _tick - oldest.Value.ArrivalTick >= _requestTimeoutTicks && !PrimaryMayHold(oldest.Value.ArrivalTick))
        {
            Suspect($"request {oldest.Value.Request.Device}@{oldest.Value.Request.Timestamp} was not proposed in time (S1): {HoldDetail(oldest.Value.ArrivalTick)}");
            return;
        }
        foreach (var entry in _log.Values)
        {
            if (entry.PrePrepare is { } accepted && accepted.View == View && !entry.Committed && _tick - entry.AcceptedTick >= _requestTimeoutTicks)
            {
                Suspect($"seq {entry.Seq} did not commit in time (S2)");
                return;
            }
        }
    }

    /// <summary>The last tick this replica accepted a partial batch (fewer than the batch size): S1's evidence that the primary was proposing.</summary>
    private long _partialAcceptedTick = -1;

    /// <summary>
    /// True when the primary legitimately keeps a request that arrived at <paramref name="arrivalTick"/>
    /// waiting, so S1 says nothing about it:
    /// <list type="bullet">
    /// <item>proposals fill the whole window, and the primary waits for the verifier;</item>
    /// <item>or, under adaptive batching (decisions.md D20), fewer than a batch of requests wait, the
    /// partial batches allowed in flight are proposed and undecided, and the primary has proposed no
    /// partial batch since this request arrived. A slow decision (executors, the verifier) then holds the
    /// next partial batch back by design, and the verifier's own complaints cover a stalled decision. A
    /// primary that keeps proposing partial batches without the request loses the excuse: S1 fires at the
    /// usual time.</item>
    /// </list>
    /// </summary>
    private bool PrimaryMayHold(long arrivalTick)
    {
        var proposed = ProposalsUndecided();
        if (proposed >= _options.Protocol.WindowBatches) return true;
        // A partial batch the primary cut just before the request reached it may be accepted here after
        // the request reached this replica (the gateways' MQTT deliveries and admission queues drift apart
        // under load): batches accepted within an eighth of the request timeout do not count.
        var graceTicks = Math.Max(_batchTimeoutTicks + 1, _requestTimeoutTicks / 8);
        var proposedSinceArrival = _partialAcceptedTick > arrivalTick + graceTicks;
        return proposed >= _options.Protocol.PartialBatchesInFlightMax && _pending.Count < _options.Protocol.BatchSizeMax && !proposedSinceArrival;
    }

    /// <summary>Proposals this replica accepted that are not decided yet (the log keeps entries until the window slides past them).</summary>
    private int ProposalsUndecided()
    {
        var proposed = 0;
        foreach (var entry in _log.Values)
            if (entry.PrePrepare is not null) proposed++;
        return proposed;
    }

    /// <summary>What S1 weighed, in the suspicion's reason: an operator reading the log can tell a censoring primary from a slow zone.</summary>
    private string HoldDetail(long arrivalTick)
    {
        var proposed = ProposalsUndecided();
        var sinceArrivalMs = (_partialAcceptedTick - arrivalTick) * _options.Protocol.TickMs;
        var lastPartial = _partialAcceptedTick < 0 ? "none accepted"
            : sinceArrivalMs >= 0 ? $"last accepted {sinceArrivalMs} ms after it arrived" : $"last accepted {-sinceArrivalMs} ms before it arrived";
        return $"waited {(_tick - arrivalTick) * _options.Protocol.TickMs} ms; {proposed} proposals undecided, {_pending.Count} requests waiting; partial batches: {lastPartial}";
    }

    /// <summary>
    /// The verifier complained (§5.1.3): ERROR (it waits for a sequence number or never saw a request)
    /// or REPLACE (too few executors, S3). A backup forwards an ERROR to the primary and starts Υ; a
    /// REPLACE starts a view change at once.
    /// </summary>
    public void OnVerifierComplaint(bool replace, byte[] signedNotice, string reason)
    {
        if (IsViewChanging) return;
        if (replace)
        {
            // The verifier restarts τ_m when it sends REPLACE and complains again if the next primary
            // fails too. A REPLACE that reaches us within τ_m of installing a view was about the
            // previous primary (its copy to us was slow): acting on it would take this gateway out of
            // the view alone.
            if (_tick - _viewInstalledTick < _options.Protocol.Ticks(_options.Protocol.VerifierTimeoutMs)) return;
            StartViewChange(View + 1, $"the verifier asked to replace the primary: {reason}");
            return;
        }
        if (!IsPrimary)
        {
            Send(PrimaryIndex, new Wire.PeerMessage { Forwarded = new Wire.ForwardedNotice { Notice = Google.Protobuf.ByteString.CopyFrom(signedNotice) } });
            if (_retransmitDeadlineTick < 0) _retransmitDeadlineTick = _tick + _retransmitTimeoutTicks;
        }
    }

    /// <summary>The verifier acknowledged what it complained about: stop Υ.</summary>
    public void OnVerifierAck() => _retransmitDeadlineTick = -1;

    /// <summary>
    /// A backup forwarded a verifier complaint to us as primary. The host acts on its content (the
    /// invoker re-spawns a waited-for sequence number; a missing request is proposed through
    /// <see cref="Propose"/>), so the replica hands it over.
    /// </summary>
    private void OnForwardedNotice(int from, Wire.ForwardedNotice notice)
    {
        Metrics.ForwardedComplaints++;
        if (IsPrimary) _ready.ForwardedNotices.Add((from, notice.Notice.ToByteArray()));
    }
}
