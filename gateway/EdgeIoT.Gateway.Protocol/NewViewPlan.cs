using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// What a NEW-VIEW must propose, computed from 2f+1 VIEW-CHANGE messages (Castro &amp; Liskov §4.4):
/// min-s is the highest stable sequence number among them; for every seq in (min-s, max-s] the batch
/// prepared in the highest view, or a null (empty) batch when none prepared. Deterministic, so the new
/// primary builds it and every backup checks the NEW-VIEW against its own computation.
/// </summary>
public sealed record NewViewPlan(ulong MinSeq, int StableFromReplica, IReadOnlyList<(ulong Seq, Bytes32? Digest)> Slots)
{
    public static NewViewPlan Compute(IReadOnlyList<(int Replica, ViewChange Body)> viewChanges)
    {
        var minSeq = 0UL;
        var stableFrom = -1;
        foreach (var (replica, body) in viewChanges)
            if (body.StableSeq > minSeq || stableFrom < 0 && body.StableSeq == minSeq)
            {
                minSeq = body.StableSeq;
                stableFrom = replica;
            }
        var chosen = new SortedDictionary<ulong, (ulong View, Bytes32 Digest)>();
        foreach (var (_, body) in viewChanges)
            foreach (var entry in body.Prepared)
            {
                if (entry.Seq <= minSeq || !Bytes32.TryCreate(entry.BatchDigest.Span, out var digest)) continue;
                if (!chosen.TryGetValue(entry.Seq, out var current) || entry.View > current.View)
                    chosen[entry.Seq] = (entry.View, digest);
            }
        var slots = new List<(ulong, Bytes32?)>();
        if (chosen.Count > 0)
        {
            var maxSeq = chosen.Keys.Max();
            for (var seq = minSeq + 1; seq <= maxSeq; seq++)
                slots.Add((seq, chosen.TryGetValue(seq, out var pick) ? pick.Digest : null));
        }
        return new NewViewPlan(minSeq, stableFrom, slots);
    }

    public ulong MaxSeq => Slots.Count == 0 ? MinSeq : Slots[^1].Seq;
}
