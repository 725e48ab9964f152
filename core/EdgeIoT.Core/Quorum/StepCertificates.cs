using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Core.Quorum;

/// <summary>
/// Certificates of the global protocol (docs/zones.md "Endorsement"): a <see cref="CertifiedStep"/> is a
/// serialized <see cref="GlobalStep"/> and Ed25519 endorsements over <c>"edgeiot/v1/endorse\0" || body</c>
/// from 2f+1 distinct registered gateways of <c>step.zone</c>. Pure and static: gateways check every
/// step they receive with it, PBFT backups check LOCK and ADOPT system entries, and the verifier checks
/// an ADOPT's HISTORY without referencing the gateway project.
/// </summary>
/// <summary>Checks one Ed25519 endorsement; <see cref="StepCertificates.Ed25519Check"/> by default. A simulator may memoize it.</summary>
public delegate bool EndorsementCheck(in Bytes32 publicKey, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature);

public static class StepCertificates
{
    public static bool Ed25519Check(in Bytes32 publicKey, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        Ed25519.Verify(publicKey, SignatureDomain.Endorse, body, signature);

    /// <summary>
    /// Largest step body anyone accepts: a device request (bounded by protocol.maxTxBytes), the step's own
    /// fields, and a COMMIT's lazy checkpoints (one per zone, <see cref="CheckpointBytesMax"/> each).
    /// </summary>
    public static int BodyBytesMax(NetworkRegistry registry) => registry.Protocol.MaxTxBytes + 2048 + registry.Zones.Count * CheckpointBytesMax;

    /// <summary>A serialized <see cref="ZoneCheckpoint"/> with its field tag: a 64-character zone id, a varint, 32 bytes, framing.</summary>
    public const int CheckpointBytesMax = 128;

    public static Endorsement Endorse(SigningKey key, int gateway, ReadOnlySpan<byte> body) => new()
    {
        Gateway = (uint)gateway,
        Signature = ByteString.CopyFrom(key.Sign(SignatureDomain.Endorse, body)),
    };

    public static bool VerifyEndorsement(ZoneInfo zone, Endorsement? endorsement, ReadOnlySpan<byte> body, EndorsementCheck? check = null) =>
        endorsement is not null && endorsement.Gateway < (uint)zone.Gateways.Count
        && (check ?? Ed25519Check)(zone.Gateways[(int)endorsement.Gateway].Key, body, endorsement.Signature.Span);

    /// <summary>A certificate from endorsements already checked, ordered by gateway index.</summary>
    public static CertifiedStep Build(ByteString body, IEnumerable<Endorsement> endorsements)
    {
        var step = new CertifiedStep { Body = body };
        step.Endorsements.AddRange(endorsements.OrderBy(e => e.Gateway));
        return step;
    }

    /// <summary>
    /// Parses the body, checks its shape (<see cref="CheckShape"/>) and that 2f+1 distinct registered
    /// gateways of <c>body.zone</c> endorsed exactly these bytes. Stops verifying at a quorum; duplicate
    /// signers, unknown indices and bad signatures do not count.
    /// </summary>
    public static bool TryVerify(CertifiedStep? step, NetworkRegistry registry, out GlobalStep body, out string reason, EndorsementCheck? check = null)
    {
        body = null!;
        if (!TryParse(step, registry, out body, out var zone, out reason)) return false;
        if (step!.Endorsements.Count > 2 * zone.Gateways.Count)
        {
            reason = $"{step.Endorsements.Count} endorsements, more than twice zone {zone.Id}'s {zone.Gateways.Count} gateways";
            return false;
        }
        Span<bool> seen = stackalloc bool[zone.Gateways.Count];
        var valid = 0;
        foreach (var endorsement in step.Endorsements)
        {
            if (endorsement.Gateway >= (uint)zone.Gateways.Count || seen[(int)endorsement.Gateway]) continue;
            if (!VerifyEndorsement(zone, endorsement, step.Body.Span, check)) continue;
            seen[(int)endorsement.Gateway] = true;
            if (++valid >= zone.QuorumSize)
            {
                reason = "";
                return true;
            }
        }
        reason = $"{Describe(body)} has {valid} distinct valid endorsements, {zone.QuorumSize} (2f+1) of zone {zone.Id} needed";
        return false;
    }

    /// <summary><see cref="TryVerify(CertifiedStep?, NetworkRegistry, out GlobalStep, out string)"/> and the step is of <paramref name="kind"/>.</summary>
    public static bool TryVerify(CertifiedStep? step, NetworkRegistry registry, GlobalStepKind kind, out GlobalStep body, out string reason, EndorsementCheck? check = null)
    {
        if (!TryVerify(step, registry, out body, out reason, check)) return false;
        if (body.Kind == kind) return true;
        reason = $"expected a {kind} step, got {Describe(body)}";
        return false;
    }

    /// <summary>
    /// A LOCK system entry ordered by <paramref name="zone"/>: the certified COMMIT of a migration out of
    /// that zone. PBFT backups admit the entry only when this holds (and their metadata does not say the
    /// migration was refused); the verifier checks it again before locking the device.
    /// </summary>
    public static bool TryVerifyLock(CertifiedStep? commit, NetworkRegistry registry, string zone, out GlobalStep body, out string reason, EndorsementCheck? check = null)
    {
        if (!TryVerify(commit, registry, GlobalStepKind.GlobalStepCommit, out body, out reason, check)) return false;
        if (body.Order.FromZone == zone) return true;
        reason = $"the COMMIT moves {body.Order.Device} out of {body.Order.FromZone}, not out of {zone}";
        return false;
    }

    /// <summary>
    /// An ADOPT system entry ordered by <paramref name="zone"/>: the certified HISTORY of a migration into
    /// that zone, endorsed by the source zone. The verifier then checks the device is locked towards
    /// <paramref name="zone"/> under <c>body.ballot</c> with the same history digest and count.
    /// </summary>
    public static bool TryVerifyAdopt(CertifiedStep? history, NetworkRegistry registry, string zone, out GlobalStep body, out string reason, EndorsementCheck? check = null)
    {
        if (!TryVerify(history, registry, GlobalStepKind.GlobalStepHistory, out body, out reason, check)) return false;
        if (body.Order.ToZone == zone) return true;
        reason = $"the HISTORY moves {body.Device} to {body.Order.ToZone}, not to {zone}";
        return false;
    }

    /// <summary>Parses a certified step's body and checks its shape, without checking endorsements.</summary>
    public static bool TryParse(CertifiedStep? step, NetworkRegistry registry, out GlobalStep body, out ZoneInfo zone, out string reason)
    {
        body = null!;
        zone = null!;
        if (step is null) { reason = "no step"; return false; }
        var max = BodyBytesMax(registry);
        if (step.Body.Length > max) { reason = $"step body of {step.Body.Length} bytes exceeds {max}"; return false; }
        try
        {
            body = GlobalStep.Parser.ParseFrom(step.Body);
        }
        catch (InvalidProtocolBufferException e)
        {
            reason = $"step body does not parse: {e.Message}";
            return false;
        }
        if (!CheckShape(body, registry, out reason)) return false;
        zone = registry.Zone(body.Zone);
        return true;
    }

    /// <summary>
    /// What every step of a kind must carry: a known endorsing zone, a ballot of a known zone, a slot,
    /// the order (whose request digest is <c>request_digest</c>) where the kind has one, the initiator's
    /// own zone for PROPOSE/ACCEPT/COMMIT, the source zone for HISTORY.
    /// </summary>
    public static bool CheckShape(GlobalStep body, NetworkRegistry registry, out string reason)
    {
        reason = "";
        if (!registry.TryGetZone(body.Zone, out _)) { reason = $"step of unknown zone \"{Trim(body.Zone)}\""; return false; }
        if (body.Ballot is null || body.Ballot.N == 0 || !registry.TryGetZone(body.Ballot.Zone, out _)) { reason = "step without a valid ballot"; return false; }
        if (body.Previous is { } previous && previous.N != 0 && !registry.TryGetZone(previous.Zone, out _)) { reason = "previous ballot of unknown zone"; return false; }
        if (body.Slot == 0) { reason = "step without a slot"; return false; }
        var needsOrder = body.Kind switch
        {
            GlobalStepKind.GlobalStepPropose or GlobalStepKind.GlobalStepAccept or GlobalStepKind.GlobalStepAccepted
                or GlobalStepKind.GlobalStepCommit or GlobalStepKind.GlobalStepHistory => true,
            GlobalStepKind.GlobalStepPromise => body.Accepted is not null,
            _ => (bool?)null,
        };
        if (needsOrder is null) { reason = $"unknown step kind {(int)body.Kind}"; return false; }
        if (needsOrder.Value)
        {
            if (body.Order is null) { reason = $"{body.Kind} without an order"; return false; }
            if (!registry.TryGetZone(body.Order.FromZone, out _) || !registry.TryGetZone(body.Order.ToZone, out _))
            {
                reason = $"order names unknown zones \"{Trim(body.Order.FromZone)}\" -> \"{Trim(body.Order.ToZone)}\"";
                return false;
            }
            // A PROMISE's request_digest is the PROPOSE's; its order is the one accepted earlier in the slot.
            if (body.Kind != GlobalStepKind.GlobalStepPromise
                && (!Bytes32.TryCreate(body.RequestDigest.Span, out var digest) || digest != Sha256Digest.Of(body.Order.Request.Span)))
            {
                reason = "request_digest is not SHA-256 of the order's request";
                return false;
            }
        }
        else if (body.Order is not null) { reason = "a PROMISE without an accepted ballot carries no order"; return false; }
        if (body.RequestDigest.Length != Bytes32.Size) { reason = "request_digest is not 32 bytes"; return false; }
        if (body.Kind is GlobalStepKind.GlobalStepPromise && body.Accepted is { } accepted && (accepted.N == 0 || !registry.TryGetZone(accepted.Zone, out _)))
        {
            reason = "PROMISE names an invalid accepted ballot";
            return false;
        }
        if (body.Kind is GlobalStepKind.GlobalStepPropose or GlobalStepKind.GlobalStepAccept or GlobalStepKind.GlobalStepCommit && body.Zone != body.Ballot.Zone)
        {
            reason = $"{body.Kind} endorsed by {body.Zone} for a ballot of {body.Ballot.Zone}";
            return false;
        }
        if (!CheckCheckpoints(body, registry, out reason)) return false;
        if (body.Kind is GlobalStepKind.GlobalStepHistory)
        {
            if (body.Device != body.Order!.Device || body.Zone != body.Order.FromZone)
            {
                reason = "HISTORY must be endorsed by the order's source zone, for the order's device";
                return false;
            }
            if (body.HistoryDigest.Length != Bytes32.Size) { reason = "HISTORY digest is not 32 bytes"; return false; }
        }
        return true;
    }

    /// <summary>
    /// Lazy checkpoints (docs/zones.md decision Z4): a PROMISE or ACCEPTED may carry its own zone's
    /// checkpoint; a COMMIT may carry at most one per zone of the network; other kinds carry none. Each
    /// names a known zone, a sequence number from 1 and a 32-byte digest.
    /// </summary>
    private static bool CheckCheckpoints(GlobalStep body, NetworkRegistry registry, out string reason)
    {
        reason = "";
        if (body.Checkpoint is { } own)
        {
            if (body.Kind is not (GlobalStepKind.GlobalStepPromise or GlobalStepKind.GlobalStepAccepted)) { reason = $"a {ShortKind(body.Kind)} carries no checkpoint of its own"; return false; }
            if (own.Zone != body.Zone) { reason = $"zone {Trim(body.Zone)} endorses a checkpoint of zone {Trim(own.Zone)}"; return false; }
            if (!ValidCheckpoint(own, registry, out reason)) return false;
        }
        if (body.Checkpoints.Count == 0) return true;
        if (body.Kind != GlobalStepKind.GlobalStepCommit) { reason = $"a {ShortKind(body.Kind)} carries no gathered checkpoints"; return false; }
        if (body.Checkpoints.Count > registry.Zones.Count) { reason = $"{body.Checkpoints.Count} checkpoints for {registry.Zones.Count} zones"; return false; }
        var zones = new HashSet<string>(StringComparer.Ordinal);
        foreach (var checkpoint in body.Checkpoints)
        {
            if (!ValidCheckpoint(checkpoint, registry, out reason)) return false;
            if (!zones.Add(checkpoint.Zone)) { reason = $"two checkpoints of zone {checkpoint.Zone}"; return false; }
        }
        return true;
    }

    private static bool ValidCheckpoint(ZoneCheckpoint checkpoint, NetworkRegistry registry, out string reason)
    {
        reason = "";
        if (!registry.TryGetZone(checkpoint.Zone, out _)) { reason = $"checkpoint of unknown zone \"{Trim(checkpoint.Zone)}\""; return false; }
        if (checkpoint.Seq == 0) { reason = $"checkpoint of zone {checkpoint.Zone} at sequence 0"; return false; }
        if (checkpoint.Digest.Length != Bytes32.Size) { reason = $"checkpoint digest of zone {checkpoint.Zone} is not 32 bytes"; return false; }
        return true;
    }

    public static string Describe(GlobalStep body) =>
        $"{ShortKind(body.Kind)}(slot {body.Slot}, {Ballots.Format(body.Ballot)}, zone {Trim(body.Zone)})";

    public static string ShortKind(GlobalStepKind kind) => kind switch
    {
        GlobalStepKind.GlobalStepPropose => "PROPOSE",
        GlobalStepKind.GlobalStepPromise => "PROMISE",
        GlobalStepKind.GlobalStepAccept => "ACCEPT",
        GlobalStepKind.GlobalStepAccepted => "ACCEPTED",
        GlobalStepKind.GlobalStepCommit => "COMMIT",
        GlobalStepKind.GlobalStepHistory => "HISTORY",
        _ => $"kind {(int)kind}",
    };

    private static string Trim(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

/// <summary>Ballots ⟨n, z⟩: ordered by n, then by zone id (ordinal). The unset ballot is ⟨0, ""⟩, below all.</summary>
public static class Ballots
{
    public static int Compare(Ballot? a, Ballot? b)
    {
        var an = a?.N ?? 0;
        var bn = b?.N ?? 0;
        if (an != bn) return an.CompareTo(bn);
        return string.CompareOrdinal(a?.Zone ?? "", b?.Zone ?? "");
    }

    public static bool IsSet(Ballot? b) => b is not null && b.N != 0;

    public static string Format(Ballot? b) => IsSet(b) ? $"<{b!.N},{b.Zone}>" : "<none>";
}
