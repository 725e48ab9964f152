using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// How long the zone's primary may take over a LOCK or ADOPT entry (docs/zones.md, decision Z5). Until the
/// entry commits in the zone's PBFT log, ordering it is the primary's job alone, and it gets three step
/// timeouts. Once it commits, it waits for executors and the verifier like any committed batch, so the
/// primary is suspected only if the zone's decisions stop short of the entry for three step timeouts —
/// a primary that commits an entry and never spawns it stalls them there, an overloaded verifier does not.
/// </summary>
public sealed partial class GlobalCoordinator
{
    /// <summary>Where a LOCK or ADOPT entry this gateway waits for stands in its zone's log.</summary>
    private sealed class EntryOrdering(long tick)
    {
        /// <summary>When the wait for ordering began (execution of the migration, the HISTORY, or a re-offer).</summary>
        public long SinceTick { get; private set; } = tick;
        public ulong? CommittedSeq { get; private set; }
        /// <summary>The zone's decided sequence number when this gateway last saw it move.</summary>
        public ulong DecidedSeen { get; private set; }
        public long ProgressTick { get; private set; }

        /// <summary>The entry can be ordered from now on (the ADOPT's HISTORY arrived).</summary>
        public void Begin(long tick) => SinceTick = tick;

        public void Committed(ulong seq, ulong decided, long tick)
        {
            if (CommittedSeq is not null) return; // a repeat of the entry later in the log: the first one is decided first
            CommittedSeq = seq;
            DecidedSeen = decided;
            ProgressTick = tick;
        }

        /// <summary>Decisions moved past the entry without its receipt reaching this gateway: it is offered again, and its repeat repeats the receipt.</summary>
        public void Reopen(long tick)
        {
            CommittedSeq = null;
            SinceTick = tick;
        }

        public void Observe(ulong decided, long tick)
        {
            if (decided == DecidedSeen) return;
            DecidedSeen = decided;
            ProgressTick = tick;
        }
    }

    /// <summary>
    /// The zone's PBFT log committed batch <paramref name="seq"/>. The host passes every committed batch; a
    /// LOCK or ADOPT entry in it that this gateway waits for is ordered from now on. Backups admitted
    /// every entry's certificate before the batch could commit, so only the body is read here.
    /// </summary>
    public void OnZoneCommitted(ulong seq, Batch batch)
    {
        if (_outgoing.Count == 0 && _incoming.Count == 0) return;
        foreach (var raw in batch.Txs)
        {
            if (!SystemEntries.IsSystem(raw.Span) || !SystemEntries.TryDecode(raw.Span, out var entry, out _)) continue;
            var isLock = entry.KindCase == SystemEntry.KindOneofCase.Lock;
            if (!StepCertificates.TryParse(isLock ? entry.Lock : entry.Adopt, _registry, out var body, out _, out _)) continue;
            var ordering = isLock
                ? _outgoing.TryGetValue(body.Order.Device, out var outgoing) && outgoing.Slot == body.Slot && outgoing.Receipt is null ? outgoing.Ordering : null
                : _incoming.TryGetValue(body.Device, out var incoming) && incoming.Slot == body.Slot ? incoming.Ordering : null;
            ordering?.Committed(seq, ZoneDecidedSeq, _tick);
        }
    }

    /// <summary>Why the primary is late with the entry, or null (decision Z5). Re-offers an entry whose receipt this gateway missed.</summary>
    private string? OrderingLate(EntryOrdering ordering, Action reoffer)
    {
        if (ordering.CommittedSeq is { } seq)
        {
            var decided = ZoneDecidedSeq;
            if (decided >= seq)
            {
                ordering.Reopen(_tick);
                reoffer();
                return null;
            }
            ordering.Observe(decided, _tick);
            return _tick - ordering.ProgressTick >= 3 * _stepTicks ? $"committed at {seq} but the zone's decisions stopped at {decided}" : null;
        }
        return _tick - ordering.SinceTick >= 3 * _stepTicks ? "was not ordered in time" : null;
    }
}
