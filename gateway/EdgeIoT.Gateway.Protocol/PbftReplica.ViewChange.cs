using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Replacing a primary (serverlessbft §5.1.5; Castro &amp; Liskov §4.4, signature variant). A replica
/// that suspects the primary broadcasts a signed VIEW-CHANGE for the next view carrying its proof of h
/// and a prepared certificate for every sequence number above h it prepared. The next primary, with
/// 2f+1 of them, broadcasts a NEW-VIEW that re-proposes, in the new view, every batch that may have
/// committed, and null batches for the gaps; every backup recomputes the same plan and checks it.
/// A replica joins a view change that f+1 others started, and a replica that falls behind asks for the
/// NEW-VIEW that installed the view its peers are in.
/// </summary>
public sealed partial class PbftReplica
{
    private readonly Dictionary<ulong, SortedDictionary<int, (Signed Signed, ViewChange Body, Dictionary<Bytes32, Batch> Batches)>> _viewChanges = new();
    private readonly Dictionary<int, ulong> _highestViewSeen = new();
    private Signed? _installingNewView;
    private ulong _newViewSentFor;
    private long _viewChangeDeadlineTick = -1;
    private int _viewChangeTimeoutTicks;
    private ulong _newViewFetchedFor;
    private long _viewInstalledTick;

    /// <summary>Starts (or escalates) a view change to <paramref name="view"/> because of <paramref name="reason"/>.</summary>
    public void StartViewChange(ulong view, string reason)
    {
        if (view <= View || (IsViewChanging && view <= TargetView)) return;
        if (IsViewChanging) _viewChangeTimeoutTicks = Math.Min(_viewChangeTimeoutTicks * 2, _options.Protocol.Ticks(_options.Protocol.ViewChangeTimeoutMs) * 64);
        IsViewChanging = true;
        TargetView = view;
        _viewChangeDeadlineTick = _tick + _viewChangeTimeoutTicks;
        _batchStartTick = -1;
        Metrics.ViewChangesStarted++;
        _ready.ViewChangesStarted.Add((view, reason));

        var body = new ViewChange { Zone = _zone, NewView = view, StableSeq = LowWatermark, StableProof = ByteString.CopyFrom(_stableProof) };
        var batches = new Dictionary<Bytes32, Batch>();
        foreach (var entry in _log.Values)
        {
            if (entry.Seq <= LowWatermark || entry.Prepared is not { } prepared) continue;
            var item = new PreparedEntry
            {
                View = prepared.View,
                Seq = entry.Seq,
                BatchDigest = ByteString.CopyFrom(prepared.Digest.ToArray()),
                PrePrepareSignature = ByteString.CopyFrom(prepared.PrePrepareSignature),
            };
            foreach (var (replica, signature) in prepared.Prepares)
                item.Prepares.Add(new PhaseSignature { Replica = (uint)replica, Signature = ByteString.CopyFrom(signature) });
            body.Prepared.Add(item);
            batches[prepared.Digest] = prepared.Batch;
        }
        var signed = SignedMessages.Sign(body, SignatureDomain.ViewChange, Self, _key);
        var message = new ViewChangeMessage { ViewChange = signed };
        message.Batches.AddRange(batches.Values);
        RecordViewChange(Self, signed, body, batches);
        MarkViewDirty();
        Broadcast(new PeerMessage { ViewChange = message });
        TrySendNewView(view);
    }

    private void OnViewChange(int from, ViewChangeMessage message)
    {
        if (!SignedMessages.TryParse(ViewChange.Parser, message.ViewChange.Body.Span, out var body)) return;
        if (body.NewView <= View) { Metrics.WrongView++; return; }
        var batches = new Dictionary<Bytes32, Batch>();
        foreach (var batch in message.Batches) batches[Batches.Digest(batch)] = batch;
        RecordViewChange(from, message.ViewChange, body, batches);
        NoteHigherView(from, body.NewView);
        // Adopt a proof of a higher h than ours: the verifier signed it.
        if (body.StableSeq > LowWatermark) AdvanceLowWatermark(body.StableSeq, body.StableProof.ToByteArray());
        // A gateway that left our view has given up on its primary: that is its suspicion, even when
        // its SUSPECT was lost. Without this a gateway that left alone is never followed, however
        // many others suspect later (found by the simulator's gateway-chaos scenario).
        if (!IsViewChanging && body.NewView > View) CountSuspicion(from, View);

        // Join: f+1 replicas asking for views above ours cannot all be faulty (Castro & Liskov §4.5.2).
        var higher = _viewChanges.Where(v => v.Key > (IsViewChanging ? TargetView : View))
            .SelectMany(v => v.Value.Keys.Select(replica => (View: v.Key, Replica: replica)))
            .GroupBy(x => x.Replica).Select(g => g.Min(x => x.View)).OrderBy(v => v).ToList();
        if (higher.Count >= _options.F + 1) StartViewChange(higher[_options.F], $"{_options.F + 1} gateways asked for view {higher[_options.F]} or later");
        TrySendNewView(body.NewView);
    }

    private void RecordViewChange(int from, Signed signed, ViewChange body, Dictionary<Bytes32, Batch> batches)
    {
        // Keep each replica's view change for its highest requested view only: bounded by n per view.
        foreach (var (view, senders) in _viewChanges)
            if (view < body.NewView) senders.Remove(from);
        if (!_viewChanges.TryGetValue(body.NewView, out var forView)) _viewChanges[body.NewView] = forView = new();
        forView[from] = (signed, body, batches);
        foreach (var stale in _viewChanges.Where(v => v.Value.Count == 0 || v.Key <= View).Select(v => v.Key).ToList())
            _viewChanges.Remove(stale);
    }

    /// <summary>As the primary of <paramref name="view"/>, broadcast NEW-VIEW once 2f+1 view changes for it are in.</summary>
    private void TrySendNewView(ulong view)
    {
        if (_options.Primary(view) != Self || !IsViewChanging || TargetView != view || _newViewSentFor >= view) return;
        if (!_viewChanges.TryGetValue(view, out var forView) || forView.Count < _options.Quorum || !forView.ContainsKey(Self)) return;
        var chosen = forView.Take(_options.Quorum).ToList();
        var plan = NewViewPlan.Compute(chosen.Select(c => (c.Key, c.Value.Body)).ToList());
        var allBatches = new Dictionary<Bytes32, Batch>();
        foreach (var (_, vc) in chosen)
            foreach (var (digest, batch) in vc.Batches) allBatches[digest] = batch;

        var newView = new NewView { Zone = _zone, View = view };
        newView.ViewChanges.AddRange(chosen.Select(c => c.Value.Signed));
        foreach (var (seq, digest) in plan.Slots)
        {
            var batch = digest is { } d ? allBatches.GetValueOrDefault(d) : new Batch();
            if (batch is null)
                throw new InvalidOperationException($"view change for seq {seq} names batch {digest} that no VIEW-CHANGE carried; the authenticator must refuse such messages");
            var batchDigest = Batches.Digest(batch);
            newView.PrePrepares.Add(new PrePrepare
            {
                View = view,
                Seq = seq,
                BatchDigest = ByteString.CopyFrom(batchDigest.ToArray()),
                Batch = batch,
                Signature = ByteString.CopyFrom(PhaseStatement.Sign(_key, SignatureDomain.PrePrepare, _zone, view, seq, batchDigest)),
            });
        }
        _newViewSentFor = view;
        var signed = SignedMessages.Sign(newView, SignatureDomain.NewView, Self, _key);
        Broadcast(new PeerMessage { NewView = signed });
        InstallNewView(signed, newView, plan, chosen);
    }

    private void OnNewView(int from, Signed signed)
    {
        if (!SignedMessages.TryParse(NewView.Parser, signed.Body.Span, out var newView)) return;
        // Served by any peer after a FetchNewView, so check the signer, not the sender.
        if (newView.View <= View || signed.Signer != _options.Primary(newView.View)) { Metrics.WrongView++; return; }
        var viewChanges = new List<(int, ViewChange)>();
        foreach (var vc in newView.ViewChanges)
            if (SignedMessages.TryParse(ViewChange.Parser, vc.Body.Span, out var body)) viewChanges.Add(((int)vc.Signer, body));
        var plan = NewViewPlan.Compute(viewChanges);
        if (!MatchesPlan(newView, plan, out var problem))
        {
            // A byzantine new primary: stay in the view change; its timer moves on to the next view.
            Metrics.NewViewsRejected++;
            StartViewChange(newView.View + 1, $"NEW-VIEW {newView.View} from gateway {signed.Signer} does not follow from its view changes: {problem}");
            return;
        }
        InstallNewView(signed, newView, plan, null);
    }

    private static bool MatchesPlan(NewView newView, NewViewPlan plan, out string problem)
    {
        if (newView.PrePrepares.Count != plan.Slots.Count)
        {
            problem = $"{newView.PrePrepares.Count} proposals where the view changes require {plan.Slots.Count}";
            return false;
        }
        for (var i = 0; i < plan.Slots.Count; i++)
        {
            var (seq, digest) = plan.Slots[i];
            var proposal = newView.PrePrepares[i];
            var actual = proposal.Batch is null ? default : Batches.Digest(proposal.Batch);
            var expected = digest ?? Batches.Digest(new Batch());
            if (proposal.Seq != seq || proposal.View != newView.View || actual != expected || new Bytes32(proposal.BatchDigest.Span) != actual)
            {
                problem = $"the proposal for seq {seq} is not the batch the view changes prepared";
                return false;
            }
        }
        problem = "";
        return true;
    }

    private void InstallNewView(Signed signed, NewView newView, NewViewPlan plan, IReadOnlyList<KeyValuePair<int, (Signed Signed, ViewChange Body, Dictionary<Bytes32, Batch> Batches)>>? chosen)
    {
        // Requests of proposals that never committed here and that the new view does not carry again
        // go back to pending, or an equivocating primary could make them vanish (D2).
        var carried = new HashSet<Bytes32>();
        foreach (var proposal in newView.PrePrepares)
            if (proposal.Batch is not null) carried.UnionWith(Batches.TxDigests(proposal.Batch));
        var orphans = new List<ClientRequest>();
        foreach (var entry in _log.Values)
        {
            if (entry.Committed || entry.PrePrepare is not { } stale) continue;
            for (var i = 0; i < stale.TxDigests.Length; i++)
                if (!carried.Contains(stale.TxDigests[i]))
                    orphans.Add(_orderedRequests.TryGetValue(stale.TxDigests[i], out var known) ? known : new ClientRequest(stale.TxDigests[i], stale.Batch.Txs[i].ToByteArray(), "", 0));
        }

        View = newView.View;
        IsViewChanging = false;
        TargetView = View;
        _installingNewView = signed;
        _viewChangeDeadlineTick = -1;
        _viewInstalledTick = _tick;
        _viewChangeTimeoutTicks = _options.Protocol.Ticks(_options.Protocol.ViewChangeTimeoutMs);
        _retransmitDeadlineTick = -1;
        Metrics.ViewsInstalled++;
        _ready.ViewsInstalled.Add(View);
        foreach (var stale in _viewChanges.Keys.Where(v => v <= View).ToList()) _viewChanges.Remove(stale);

        // h may rise to the plan's min-s: the view change that reported it carried the verifier's proof.
        var proofCarrier = newView.ViewChanges.Select(vc => SignedMessages.TryParse(ViewChange.Parser, vc.Body.Span, out var b) ? b : null)
            .FirstOrDefault(b => b is not null && b.StableSeq == plan.MinSeq);
        if (plan.MinSeq > LowWatermark && proofCarrier is not null) AdvanceLowWatermark(plan.MinSeq, proofCarrier.StableProof.ToByteArray());

        // Everything above max-s is free in the new view; proposals this replica made further ahead in
        // an earlier view never committed, and skipping their numbers would leave a gap the verifier,
        // deciding strictly in order, would wait for forever.
        NextSeq = Math.Max(plan.MaxSeq, LowWatermark) + 1;
        foreach (var proposal in newView.PrePrepares)
        {
            if (!InWindow(proposal.Seq) || proposal.Batch is null) continue;
            var entry = Entry(proposal.Seq);
            var txDigests = Batches.TxDigests(proposal.Batch);
            AcceptPrePrepare(entry, new AcceptedPrePrepare(View, Batches.Digest(txDigests), proposal.Batch, txDigests, proposal.Signature.ToByteArray()));
        }
        foreach (var orphan in orphans) Repend(orphan);
        if (!IsPrimary) ForgetSystemEntries();
        // Everyone gets a fresh chance in the new view: restart the request timers.
        foreach (var node in EnumeratePendingNodes()) node.Value = (node.Value.Request, _tick);
        MarkViewDirty();
        ReplayLaterViewProposals();
        if (IsPrimary && _pending.Count > 0)
        {
            _batchStartTick = _tick;
            CutBatches(force: false);
        }
    }

    /// <summary>
    /// A message from a later view than ours: if f+1 replicas are ahead, at least one correct replica
    /// installed that view, so ask for its NEW-VIEW (a replica that restarted or was partitioned
    /// rejoins this way).
    /// </summary>
    private void NoteHigherView(int from, ulong view)
    {
        if (view <= View) return;
        _highestViewSeen[from] = Math.Max(_highestViewSeen.GetValueOrDefault(from), view);
        var ahead = _highestViewSeen.Where(p => p.Value > View).OrderByDescending(p => p.Value).ToList();
        if (ahead.Count < _options.F + 1) return;
        var target = ahead[_options.F].Value; // the (f+1)-th highest: at least one correct replica is there
        if (target <= _newViewFetchedFor) return;
        _newViewFetchedFor = target;
        foreach (var (replica, _) in ahead) Send(replica, new PeerMessage { FetchNewView = new FetchNewView { View = target } });
    }

    private void OnFetchNewView(int from, FetchNewView request)
    {
        if (_installingNewView is { } signed && View >= request.View && !IsViewChanging)
            Send(from, new PeerMessage { NewView = signed });
    }

    /// <summary>
    /// A backup keeps no LOCK or ADOPT entry in line: only a primary proposes them, each from the certificate
    /// its own coordinator assembled, so a copy here — from a proposal the view change dropped, or offered
    /// while this replica was primary — differs byte for byte from anything a new primary orders, and S1
    /// would blame that primary for never proposing it. The coordinator's own timers hold the primary to
    /// the entry (docs/zones.md, Z5) and offer it again to the next one.
    /// </summary>
    private void ForgetSystemEntries()
    {
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            if (SystemEntries.IsSystem(node.Value.Request.Raw))
            {
                _pending.Remove(node);
                _pendingByDigest.Remove(node.Value.Request.Digest);
            }
            node = next;
        }
    }

    private IEnumerable<LinkedListNode<(ClientRequest Request, long ArrivalTick)>> EnumeratePendingNodes()
    {
        for (var node = _pending.First; node is not null; node = node.Next) yield return node;
    }
}
