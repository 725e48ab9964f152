using EdgeIoT.Core.Config;
using EdgeIoT.Core.Execution;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Audit;

/// <summary>
/// The zones' part of `edgeiot audit` (docs/zones.md): every gateway's journal of executed global
/// transactions agrees slot by slot — same migration, same outcome, same global-metadata digest, which
/// covers placement, lock bits' source, the migration history and the policy counters — and every
/// migration the verifier applied was allowed by the global order in that slot.
/// </summary>
public static class GlobalAudit
{
    public sealed record Report(int Gateways, int Slots, int Migrations, List<string> Violations);

    public static Report Run(NetworkLayout layout, NetworkRegistry registry,
        IEnumerable<(string Device, string From, string To, ulong HistoryCount, ulong AdoptSeq, ulong Slot)> applied, int maxViolations)
    {
        var violations = new List<string>();
        void Violation(string text) { if (violations.Count < maxViolations) violations.Add(text); }

        var bySlot = new Dictionary<ulong, (GlobalJournalEntry Entry, string Gateway)>();
        var journals = 0;
        foreach (var gateway in registry.Zones.SelectMany(z => z.Gateways))
        {
            var path = Path.Combine(layout.State(gateway.Id), GlobalJournalEntry.FileName);
            if (!File.Exists(path)) continue;
            journals++;
            foreach (var entry in GlobalJournalEntry.Read(path))
            {
                if (!bySlot.TryGetValue(entry.Slot, out var first)) bySlot[entry.Slot] = (entry, gateway.Id);
                else if (first.Entry != entry)
                    Violation($"global slot {entry.Slot}: gateway {gateway.Id} executed {Describe(entry)}, gateway {first.Gateway} {Describe(first.Entry)}");
            }
        }
        var migrations = 0;
        foreach (var migration in applied)
        {
            migrations++;
            if (!bySlot.TryGetValue(migration.Slot, out var executed))
            {
                if (journals > 0) Violation($"the verifier moved {migration.Device} from {migration.From} to {migration.To} for global slot {migration.Slot}, which no gateway executed");
                continue;
            }
            var entry = executed.Entry;
            if (!entry.Allowed || entry.Device != migration.Device || entry.From != migration.From || entry.To != migration.To)
                Violation($"the verifier moved {migration.Device} from {migration.From} to {migration.To} for global slot {migration.Slot}, which the gateways executed as {Describe(entry)}");
        }
        return new Report(journals, bySlot.Count, migrations, violations);
    }

    private static string Describe(GlobalJournalEntry e) =>
        $"{e.Device} {e.From}->{e.To} {(e.Allowed ? "allowed" : "refused")} ({e.Outcome}), metadata {e.MetadataDigest[..Math.Min(12, e.MetadataDigest.Length)]}";
}
