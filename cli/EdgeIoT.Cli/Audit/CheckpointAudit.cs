using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Provisioning;
using EdgeIoT.Verifier.Storage;

namespace EdgeIoT.Cli.Audit;

/// <summary>
/// The lazy-checkpoint part of `edgeiot audit` (docs/zones.md decision Z4): every checkpoint any gateway
/// held (its <c>checkpoints.jsonl</c>) for zone z at k must equal the verifier's D_k of z — both the
/// digest stored with batch k and the chain recomputed from the zone's stored log rows, so neither a
/// wrong checkpoint nor a tampered stored digest or row passes.
/// </summary>
public static class CheckpointAudit
{
    public sealed record Report(int Gateways, int Checkpoints, int Distinct, List<string> Violations);

    public static Report Run(NetworkLayout layout, NetworkRegistry registry, VerifierDatabase database, int maxViolations)
    {
        var violations = new List<string>();
        void Violation(string text) { if (violations.Count < maxViolations) violations.Add(text); }

        // Who held what: (zone, seq, digest) → the first gateway that journaled it.
        var held = new Dictionary<(string Zone, ulong Seq, string Digest), string>();
        int journals = 0, lines = 0;
        foreach (var gateway in registry.Zones.SelectMany(z => z.Gateways))
        {
            var path = Path.Combine(layout.State(gateway.Id), CheckpointJournalEntry.FileName);
            if (!File.Exists(path)) continue;
            journals++;
            foreach (var entry in CheckpointJournalEntry.Read(path))
            {
                lines++;
                held.TryAdd((entry.Zone, entry.Seq, entry.Digest.ToLowerInvariant()), gateway.Id);
            }
        }

        foreach (var zone in held.Keys.Select(k => k.Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!registry.TryGetZone(zone, out _))
            {
                foreach (var ((_, seq, _), gateway) in held.Where(h => h.Key.Zone == zone)) Violation($"gateway {gateway} holds a checkpoint of unknown zone \"{zone}\" at {seq}");
                continue;
            }
            var wanted = held.Where(h => h.Key.Zone == zone).ToList();
            var seqs = wanted.Select(h => h.Key.Seq).ToHashSet();
            var verifier = new Dictionary<ulong, (Bytes32? Stored, Bytes32 Recomputed)>();
            foreach (var (seq, stored, recomputed) in database.ReplayZoneHistory(zone))
                if (seqs.Contains(seq)) verifier[seq] = (stored, recomputed);
            foreach (var ((_, seq, digest), gateway) in wanted.OrderBy(h => h.Key.Seq))
            {
                var where = $"gateway {gateway} holds a certified checkpoint of {zone} at {seq} with digest {Short(digest)}";
                if (!verifier.TryGetValue(seq, out var truth)) { Violation($"{where}, but the verifier never decided {zone}/{seq}"); continue; }
                if (truth.Stored is { } stored && stored.ToHex() != digest) Violation($"{where}; the verifier stored D_{seq} = {Short(stored.ToHex())}");
                if (truth.Stored is null && database.HasZoneDigests) Violation($"{where}; the verifier stored no D_{seq}");
                if (truth.Recomputed.ToHex() != digest) Violation($"{where}; D_{seq} recomputed from the verifier's log of {zone} is {Short(truth.Recomputed.ToHex())}");
            }
        }
        return new Report(journals, lines, held.Count, violations);
    }

    private static string Short(string hex) => hex.Length > 16 ? hex[..16] : hex;
}
