using EdgeIoT.Applications;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Storage;

/// <summary>
/// Checks a verifier database against its own log: replays every committed transaction in
/// (zone, k, position) order, from the applications' initial state, with the real applications, and
/// compares the results and the final rows (values and versions) with what the database holds. Also
/// checks that each zone's decided sequence numbers are gapless, that no device timestamp was
/// decided twice, and that every batch's stored zone digest is the decided-history chain recomputed
/// from the zone's log rows (docs/zones.md decision Z4: what lazy checkpoints are checked against).
/// Every violation is described in a sentence.
/// </summary>
public static class LogAudit
{
    public const int MaxViolationsReported = 50;

    public sealed record Report(int Transactions, int Committed, int Aborted, int Rejected, int Rows, List<string> Violations)
    {
        public bool Passed => Violations.Count == 0;
    }

    public static Report Run(NetworkRegistry registry, VerifierDatabase database)
    {
        var applications = new ApplicationSet(registry.Applications);
        var state = applications.InitialState().ToDictionary(r => r.Key, r => new StoredValue(true, r.Value, 0), StringComparer.Ordinal);
        var violations = new List<string>();
        void Violation(string text)
        {
            if (violations.Count < MaxViolationsReported) violations.Add(text);
        }

        foreach (var zone in registry.Zones)
        {
            var expected = 1UL;
            foreach (var (seq, _) in database.ReadBatches(zone.Id))
            {
                if (seq != expected) Violation($"zone {zone.Id}: decided sequence numbers jump from {expected - 1} to {seq}");
                expected = seq + 1;
            }
            if (database.NextSeq(zone.Id) != expected)
                Violation($"zone {zone.Id}: k_max is {database.NextSeq(zone.Id)} but the decided batches end at {expected - 1}");
            if (database.HasZoneDigests) CheckZoneDigests(database, zone.Id, Violation);
        }

        var decidedTimestamps = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var ownership = new OwnershipReplay(registry);
        int transactions = 0, committed = 0, aborted = 0, rejected = 0;
        foreach (var entry in database.ReadLog())
        {
            transactions++;
            switch (entry.Status)
            {
                case TxStatus.System:
                    // An ADOPT row carries the migration request's timestamp to answer it; the request
                    // was ordered globally, not in this zone's stream, so it is not checked for order here.
                    ownership.System(entry, Violation);
                    continue;
                case TxStatus.Rejected:
                    rejected++;
                    continue;
                case TxStatus.Aborted:
                    aborted++;
                    CheckTimestamp(entry, decidedTimestamps, Violation);
                    continue;
                case TxStatus.Committed:
                    committed++;
                    CheckTimestamp(entry, decidedTimestamps, Violation);
                    ownership.Committed(entry, Violation);
                    Replay(registry, applications, state, entry, Violation);
                    continue;
                default:
                    Violation($"{Where(entry)}: unknown status {entry.Status}");
                    continue;
            }
        }

        var rows = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, stored) in database.ReadAllKv())
        {
            rows++;
            seen.Add(key);
            if (!state.TryGetValue(key, out var replayed))
                Violation($"row {key} exists in the database but no committed transaction wrote it");
            else if (replayed != stored)
                Violation($"row {key}: the database holds \"{Shorten(stored.Value)}\" at version {KeyVersion.Describe(stored.Version)}; replaying the log gives \"{Shorten(replayed.Value)}\" at {KeyVersion.Describe(replayed.Version)}");
        }
        foreach (var key in state.Keys.Where(k => !seen.Contains(k)).Take(MaxViolationsReported))
            Violation($"row {key} should exist after replaying the log but is missing from the database");
        ownership.CompareWith(database.ReadOwnership(), database.ReadMigrations(), Violation);
        return new Report(transactions, committed, aborted, rejected, rows, violations);
    }

    private static void CheckZoneDigests(VerifierDatabase database, string zone, Action<string> violation)
    {
        foreach (var (seq, stored, recomputed) in database.ReplayZoneHistory(zone))
        {
            if (stored is not { } digest) violation($"zone {zone} batch {seq}: no zone digest stored");
            else if (digest != recomputed)
                violation($"zone {zone} batch {seq}: the stored zone digest {digest.ToHex()[..16]} differs from {recomputed.ToHex()[..16]}, the chain recomputed from the zone's log rows (a row or the digest was changed)");
        }
    }

    private static void CheckTimestamp(DecidedEntry entry, Dictionary<string, ulong> decided, Action<string> violation)
    {
        if (decided.TryGetValue(entry.Device, out var last) && entry.Timestamp <= last)
            violation($"{Where(entry)}: device {entry.Device} timestamp {entry.Timestamp} decided after {last}: a timestamp was used twice or out of order");
        decided[entry.Device] = Math.Max(last, entry.Timestamp);
    }

    private static void Replay(NetworkRegistry registry, ApplicationSet applications, Dictionary<string, StoredValue> state, DecidedEntry entry, Action<string> violation)
    {
        if (!DeviceTransaction.TryDecode(entry.Tx, registry, registry.Protocol.MaxTxBytes, out var tx, out var rejection))
        {
            violation($"{Where(entry)}: a committed transaction does not decode or verify: {rejection}");
            return;
        }
        if (tx.Digest != entry.TxDigest || tx.DeviceId != entry.Device || tx.Timestamp != entry.Timestamp)
        {
            violation($"{Where(entry)}: the log's digest, device or timestamp differ from the transaction it stores");
            return;
        }
        if (!applications.TryGet(tx.App, out var application))
        {
            violation($"{Where(entry)}: committed for application \"{tx.App}\", which is not enabled");
            return;
        }
        var replay = new ReplayState(state);
        var result = application.Execute(tx, replay);
        if (result.Rejection is { } refused)
        {
            violation($"{Where(entry)}: committed, but replaying it is refused: {refused}");
            return;
        }
        if (result.ResultJson != entry.Result)
            violation($"{Where(entry)}: committed result {Shorten(entry.Result)} differs from the replayed {Shorten(result.ResultJson)}");
        var zoneIndex = registry.Zones.FindIndex(z => z.Id == entry.Zone);
        var version = KeyVersion.Of(zoneIndex, entry.Seq, entry.Position);
        foreach (var (key, value) in replay.Writes) state[key] = new StoredValue(true, value, version);
    }

    private static string Where(DecidedEntry entry) => $"{entry.Zone}/{entry.Seq}/{entry.Position}";
    private static string Shorten(string? text) => text is null ? "(absent)" : text.Length <= 60 ? text : text[..57] + "...";

    private sealed class ReplayState(Dictionary<string, StoredValue> state) : ITxState
    {
        public Dictionary<string, string> Writes { get; } = new(StringComparer.Ordinal);

        public string? Read(string key) =>
            Writes.TryGetValue(key, out var own) ? own : state.TryGetValue(key, out var stored) && stored.Found ? stored.Value : null;

        public void Write(string key, string value) => Writes[key] = value;
    }
}
