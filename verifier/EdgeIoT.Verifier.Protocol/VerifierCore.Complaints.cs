using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>What the verifier tells a device that asks it directly (serverlessbft §5.1.3).</summary>
public enum ClientVerdict
{
    /// <summary>Decided: the RESPONSE is resent.</summary>
    Decided,
    /// <summary>Ordered at k > k_max: the verifier waits for k_max and sent ERROR(k_max).</summary>
    WaitingForEarlier,
    /// <summary>No VERIFY ever named it: ERROR(T) asks the zone to order it.</summary>
    NeverSeen,
    /// <summary>VERIFY came, but not f_E+1 matching: REPLACE(T) blames the primary (S3).</summary>
    PrimaryBlamed,
}

/// <summary>
/// The verifier's side of recovery (serverlessbft §5.1.3, §6.4). It answers a device's direct request,
/// complains to the zone when something is missing (ERROR(k_max), ERROR(T), REPLACE), acknowledges when
/// the complaint is resolved (ACK), and runs the verifier timer τ_m per sequence number: on expiry with
/// fewer than 2f_E+1 VERIFY it blames the primary; with at least 2f_E+1 but no f_E+1 matching it aborts.
/// Complaints are outputs, signed and published by the host.
/// </summary>
public sealed partial class VerifierCore
{
    private readonly List<VerifierNotice> _notices = [];
    private readonly Dictionary<(string Zone, string Key), long> _lastComplaintTick = new();
    private readonly Dictionary<(string Zone, ulong Seq), bool> _awaitingAckSeq = new();
    private readonly Dictionary<Bytes32, string> _awaitingAckTx = new();

    /// <summary>Notices to sign and publish to the zones' gateways.</summary>
    public IReadOnlyList<VerifierNotice> TakeNotices()
    {
        if (_notices.Count == 0) return [];
        var notices = _notices.ToArray();
        _notices.Clear();
        return notices;
    }

    /// <summary>A device asked about <paramref name="tx"/> after its timeout (§5.1.2); its signature was checked by the host.</summary>
    public ClientVerdict OnClientRequest(DeviceTransaction tx, out DecidedEntry? decided)
    {
        AssertNotAwaitingAdvance();
        decided = null;
        if (TryFindDecided(tx.DeviceId, tx.Timestamp, out var entry) && entry.TxDigest == tx.Digest)
        {
            decided = entry;
            return ClientVerdict.Decided;
        }
        if (!_zones.TryGetValue(tx.Zone, out var zone)) return ClientVerdict.NeverSeen;
        foreach (var slot in zone.Slots.Values)
        {
            if (!slot.Names(tx.Digest)) continue;
            if (slot.Seq > zone.NextSeq)
            {
                Complain(zone.Zone, $"seq:{zone.NextSeq}", new VerifierNotice { ErrorSeq = new ErrorSeq { Zone = zone.Zone, Seq = zone.NextSeq } });
                _awaitingAckSeq[(zone.Zone, zone.NextSeq)] = true;
                return ClientVerdict.WaitingForEarlier;
            }
            Complain(zone.Zone, $"replace:{slot.Seq}", new VerifierNotice
            {
                Replace = new Replace { Zone = zone.Zone, Seq = slot.Seq, Tx = ByteString.CopyFrom(tx.Raw), Reason = $"seq {slot.Seq} has {slot.VoteCount} VERIFY and no {_matchQuorum} matching (S3: too few executors)" },
            });
            return ClientVerdict.PrimaryBlamed;
        }
        Complain(zone.Zone, $"tx:{tx.Digest}", new VerifierNotice { ErrorTx = new ErrorTx { Zone = zone.Zone, Tx = ByteString.CopyFrom(tx.Raw) } });
        _awaitingAckTx[tx.Digest] = zone.Zone;
        return ClientVerdict.NeverSeen;
    }

    /// <summary>
    /// The verifier timer τ_m (§6.4), checked every tick for the slot at k_max: started by its first
    /// VERIFY, stopped by a matching quorum or by VERIFY from every executor.
    /// </summary>
    private void OnTickTimers()
    {
        var timeout = _registry.Protocol.Ticks(_registry.Protocol.VerifierTimeoutMs);
        foreach (var zone in _zones.Values)
        {
            if (!zone.Slots.TryGetValue(zone.NextSeq, out var slot) || slot.Matched is not null || slot.AbortReason is not null) continue;
            if (_tick - slot.TimerStartTick < timeout) continue;
            if (slot.VoteCount >= 2 * _registry.Executors.Faulty + 1 && slot.BatchAgreedBy(_matchQuorum) is { } batch)
            {
                // Enough executors answered to trust that execution happened; they just disagree
                // (conflicts or byzantine executors): abort in order (§6.4.1, second case).
                slot.AbortReason = $"verifier timer: {slot.VoteCount} VERIFY and no {_matchQuorum} matching";
                slot.AbortBatch = batch;
                DecideInOrder(zone);
                continue;
            }
            // Too few VERIFY: the primary spawned too few executors or they were lost (§6.4.1, first
            // case): blame it, and wait again before blaming once more.
            slot.TimerStartTick = _tick;
            Complain(zone.Zone, $"replace:{slot.Seq}", new VerifierNotice
            {
                Replace = new Replace { Zone = zone.Zone, Seq = slot.Seq, Reason = $"verifier timer: seq {slot.Seq} has {slot.VoteCount} VERIFY, fewer than 2f_E+1 = {2 * _registry.Executors.Faulty + 1}" },
            });
            Metrics.Replacements++;
        }
    }

    /// <summary>Queues a complaint unless the same one went out within the last retransmission period.</summary>
    private void Complain(string zone, string key, VerifierNotice notice)
    {
        var period = _registry.Protocol.Ticks(_registry.Protocol.RetransmitTimeoutMs) / 2;
        if (_lastComplaintTick.TryGetValue((zone, key), out var last) && _tick - last < period) return;
        _lastComplaintTick[(zone, key)] = _tick;
        if (_lastComplaintTick.Count > 10_000) _lastComplaintTick.Clear();
        _notices.Add(notice);
        Metrics.Complaints++;
    }

    /// <summary>After deciding a batch: ACK what was complained about (§5.1.3, last paragraph).</summary>
    private void AcknowledgeDecided(DecidedBatch batch)
    {
        if (_awaitingAckSeq.Remove((batch.Zone, batch.Seq)))
            _notices.Add(new VerifierNotice { Ack = new Ack { Zone = batch.Zone, Seq = batch.Seq } });
        foreach (var entry in batch.Entries)
            if (_awaitingAckTx.Remove(entry.TxDigest))
                _notices.Add(new VerifierNotice { Ack = new Ack { Zone = batch.Zone, Seq = batch.Seq, TxDigest = ByteString.CopyFrom(entry.TxDigest.ToArray()) } });
        if (_awaitingAckTx.Count > 10_000) _awaitingAckTx.Clear();
    }
}
