using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// Zone-internal endorsement (docs/zones.md, decision Z1): the primary sends EndorseRequest(body,
/// evidence); each gateway checks the body against its own state and the evidence, endorses at most
/// one content per (kind, slot, ballot) and sends its EndorseVote to every gateway of the zone, so any
/// of them assembles the certificate from 2f+1 valid votes.
/// </summary>
public sealed partial class GlobalCoordinator
{
    private sealed class Round(ByteString body, GlobalStep step, Bytes32 digest, long tick)
    {
        public ByteString Body { get; } = body;
        public GlobalStep Step { get; } = step;
        public Bytes32 Digest { get; } = digest;
        public Dictionary<int, Endorsement> Votes { get; } = [];
        public bool Done { get; set; }
        public long CreatedTick { get; } = tick;
        public long LastSentTick { get; set; } = tick;
        /// <summary>The request as this gateway sent it as primary (re-sent while the round is open).</summary>
        public EndorseRequest? Request { get; set; }
        public Endorsement? OwnVote { get; set; }
    }

    private readonly Dictionary<Bytes32, Round> _rounds = [];
    private readonly Queue<Bytes32> _roundOrder = new();
    private readonly Dictionary<Bytes32, List<(int From, Endorsement Vote)>> _earlyVotes = [];
    private readonly Queue<Bytes32> _earlyOrder = new();
    /// <summary>Endorse-once: the content digest this gateway endorsed per (kind, slot, ballot).</summary>
    private readonly Dictionary<(GlobalStepKind Kind, ulong Slot, BallotKey Ballot), Bytes32> _endorsed = [];
    /// <summary>What this gateway asked its zone to endorse as primary, and in which view (one request per view).</summary>
    private readonly Dictionary<(GlobalStepKind Kind, ulong Slot, BallotKey Ballot), ulong> _requested = [];

    /// <summary>As primary: ask the zone to endorse <paramref name="body"/>, endorsing it first.</summary>
    private bool RequestEndorsement(GlobalStep body, IEnumerable<CertifiedStep> evidence)
    {
        body.Zone = Zone;
        body.View = View;
        var key = (body.Kind, body.Slot, Key(body.Ballot));
        if (_requested.TryGetValue(key, out var view) && view == View) return false;
        _requested[key] = View;
        AttachCheckpoint(body);
        var request = new EndorseRequest { Body = body.ToByteString() };
        request.Evidence.AddRange(evidence);
        if (!TryEndorse(request, body, out var round, out var reason))
        {
            Reject($"own {StepCertificates.Describe(body)} is not endorsable: {reason}");
            return false;
        }
        round.Request = request;
        round.LastSentTick = _tick;
        SendToMembers(new GlobalMessage { EndorseRequest = request });
        AddVote(round, Self, round.OwnVote!);
        return true;
    }

    private void OnEndorseRequest(int from, EndorseRequest request)
    {
        if (from != PrimaryIndex) { Reject($"endorse request from member {from}, not from primary {PrimaryIndex} of view {View}"); return; }
        if (request.Evidence.Count > _registry.Zones.Count + 2) { Reject($"endorse request with {request.Evidence.Count} evidence steps"); return; }
        if (!TryParseBody(request.Body, out var body, out var reason)) { Reject($"endorse request: {reason}"); return; }
        if (body.Zone != Zone || body.View != View)
        {
            Reject($"endorse request for zone {body.Zone} view {body.View}; this is {Zone} view {View}");
            return;
        }
        var digest = Sha256Digest.Of(request.Body.Span);
        if (_rounds.TryGetValue(digest, out var known) && known.OwnVote is { } vote)
        {
            // The primary re-sent its request: our vote may have been lost.
            SendToMembers(new GlobalMessage { EndorseVote = new EndorseVote { BodyDigest = Bytes(digest), Endorsement = vote } });
            return;
        }
        if (body.Checkpoint is { } checkpoint && !CheckpointConfirmed(from, request, body, checkpoint)) return;
        if (!TryEndorse(request, body, out var round, out reason))
        {
            Metrics.EndorseRefused++;
            Reject($"refused to endorse {StepCertificates.Describe(body)}: {reason}");
            return;
        }
        SendToMembers(new GlobalMessage { EndorseVote = new EndorseVote { BodyDigest = Bytes(round.Digest), Endorsement = round.OwnVote } });
        AddVote(round, Self, round.OwnVote!);
    }

    /// <summary>Checks the body, applies endorse-once and the acceptor effects, signs; the round then holds our vote.</summary>
    private bool TryEndorse(EndorseRequest request, GlobalStep body, out Round round, out string reason)
    {
        round = null!;
        if (!Validate(body, request.Evidence, out reason)) return false;
        var key = (body.Kind, body.Slot, Key(body.Ballot));
        var content = ContentDigest(body);
        if (_endorsed.TryGetValue(key, out var endorsed) && endorsed != content && !_options.UnsafeEndorseTwice)
        {
            reason = $"already endorsed another {StepCertificates.ShortKind(body.Kind)} for slot {body.Slot} ballot {Key(body.Ballot)}";
            return false;
        }
        _endorsed[key] = content;
        ApplyEndorsed(body, request.Evidence);
        _ready.Persist.Add(new GlobalPersist.Endorsed(body.Kind, body.Slot, body.Ballot, content.ToArray(), body, request.Evidence.Count > 0 ? request.Evidence[0] : null));
        var digest = Sha256Digest.Of(request.Body.Span);
        round = Track(request.Body, body, digest);
        round.OwnVote = StepCertificates.Endorse(_key, Self, request.Body.Span);
        Metrics.Endorsed++;
        return true;
    }

    private void OnEndorseVote(int from, EndorseVote vote)
    {
        if (vote.Endorsement is null || vote.Endorsement.Gateway != (uint)from || !Bytes32.TryCreate(vote.BodyDigest.Span, out var digest))
        {
            Reject($"malformed endorse vote from member {from}");
            return;
        }
        if (_rounds.TryGetValue(digest, out var round))
        {
            if (round.Done || round.Votes.ContainsKey(from)) return;
            if (!StepCertificates.VerifyEndorsement(_zone, vote.Endorsement, round.Body.Span, _options.EndorsementCheck)) { Reject($"bad endorsement signature from member {from}"); return; }
            AddVote(round, from, vote.Endorsement);
            return;
        }
        // The vote overtook the request: keep it (bounded) until the body arrives.
        if (!_earlyVotes.TryGetValue(digest, out var list))
        {
            if (_earlyVotes.Count >= _options.TrackedBodiesMax)
            {
                if (_earlyOrder.TryDequeue(out var oldest)) _earlyVotes.Remove(oldest);
            }
            _earlyVotes[digest] = list = [];
            _earlyOrder.Enqueue(digest);
        }
        if (list.Count < N && list.TrueForAll(v => v.From != from)) list.Add((from, vote.Endorsement));
    }

    private Round Track(ByteString bytes, GlobalStep body, Bytes32 digest)
    {
        if (_rounds.TryGetValue(digest, out var round)) return round;
        while (_rounds.Count >= _options.TrackedBodiesMax && _roundOrder.TryDequeue(out var oldest)) _rounds.Remove(oldest);
        _rounds[digest] = round = new Round(bytes, body, digest, _tick);
        _roundOrder.Enqueue(digest);
        if (_earlyVotes.Remove(digest, out var early))
            foreach (var (from, vote) in early)
                if (StepCertificates.VerifyEndorsement(_zone, vote, bytes.Span, _options.EndorsementCheck)) round.Votes[from] = vote;
        return round;
    }

    private void AddVote(Round round, int from, Endorsement vote)
    {
        if (round.Done) return;
        round.Votes[from] = vote;
        if (round.Votes.Count < _zone.QuorumSize) return;
        round.Done = true;
        round.Request = null;
        var step = StepCertificates.Build(round.Body, round.Votes.Values);
        Metrics.Certified++;
        RememberVerified(step, round.Step);
        OnCertified(step, round.Step, local: true);
    }

    /// <summary>Open rounds: the primary re-sends its request, a member its vote (lost messages on the zone's links); a round whose checkpoint its zone has not confirmed by now is asked again without it (docs/zones.md Z4).</summary>
    private void ResendOpenRounds()
    {
        List<Round>? withoutCheckpoint = null;
        foreach (var round in _rounds.Values)
        {
            if (round.Done || _tick - round.LastSentTick < _stepTicks / 2 || round.Step.View != View) continue;
            if (round.Step.Kind != GlobalStepKind.GlobalStepHistory && round.Step.Slot <= LastExecuted) continue;
            round.LastSentTick = _tick;
            if (round.Request is not null && IsPrimary && round.Step.Checkpoint is not null) (withoutCheckpoint ??= []).Add(round);
            else if (round.Request is { } request && IsPrimary) SendToMembers(new GlobalMessage { EndorseRequest = request });
            else if (round.OwnVote is { } vote) SendToMembers(new GlobalMessage { EndorseVote = new EndorseVote { BodyDigest = Bytes(round.Digest), Endorsement = vote } });
        }
        foreach (var round in withoutCheckpoint ?? []) ReissueWithoutCheckpoint(round);
    }

    /// <summary>
    /// The body without its view and checkpoints: a new primary may ask for the same content in a later
    /// view, and a primary for the same content without a checkpoint its zone could not confirm at once.
    /// </summary>
    private static Bytes32 ContentDigest(GlobalStep body)
    {
        var content = body.Clone();
        content.View = 0;
        content.Checkpoint = null;
        content.Checkpoints.Clear();
        return Sha256Digest.Of(content.ToByteArray());
    }

    private bool TryParseBody(ByteString bytes, out GlobalStep body, out string reason)
    {
        body = null!;
        var max = StepCertificates.BodyBytesMax(_registry);
        if (bytes.Length > max) { reason = $"body of {bytes.Length} bytes exceeds {max}"; return false; }
        try
        {
            body = GlobalStep.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            reason = $"body does not parse: {e.Message}";
            return false;
        }
        return StepCertificates.CheckShape(body, _registry, out reason);
    }

    // ---- Verified certificates, cached ----

    private readonly Dictionary<Bytes32, GlobalStep> _verified = [];
    private readonly Queue<Bytes32> _verifiedOrder = new();

    private bool TryVerifyStep(CertifiedStep step, out GlobalStep body, out string reason)
    {
        var id = Sha256Digest.Of(step.ToByteArray());
        if (_verified.TryGetValue(id, out body!))
        {
            Metrics.VerifiedCacheHits++;
            reason = "";
            return true;
        }
        if (!StepCertificates.TryVerify(step, _registry, out body, out reason, _options.EndorsementCheck)) return false;
        Metrics.StepsVerified++;
        Remember(id, body);
        return true;
    }

    private void RememberVerified(CertifiedStep step, GlobalStep body) => Remember(Sha256Digest.Of(step.ToByteArray()), body);

    private void Remember(Bytes32 id, GlobalStep body)
    {
        if (_verified.ContainsKey(id)) return;
        while (_verified.Count >= _options.VerifiedCacheMax && _verifiedOrder.TryDequeue(out var oldest)) _verified.Remove(oldest);
        _verified[id] = body;
        _verifiedOrder.Enqueue(id);
    }
}
