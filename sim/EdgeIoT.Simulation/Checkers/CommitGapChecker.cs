using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// No permanent gap in what a zone commits. The verifier decides strictly in order (the shim-order
/// checker), so a sequence number that no correct gateway ever commits while later ones commit stalls
/// the zone for good — the failure a new primary skipping numbers would cause (decisions D16). After
/// the heal, two things must settle within the liveness bound:
/// <list type="bullet">
/// <item>per zone, every k between the verifier's k_max and the highest k a correct gateway committed
/// is committed by some correct gateway (or decided);</item>
/// <item>every correct gateway that is up has committed, fetched or learned decided (its committed
/// frontier) every k the verifier decided — a gateway kept in the dark must catch up (§5.2.1).</item>
/// </list>
/// Transient gaps (a lost PREPARE, a proposal waiting for a view change) are normal; what outlives the
/// bound is not. At the end of the run a gateway may lack only the DECIDED notices still in flight.
/// </summary>
public sealed class CommitGapChecker(World world) : Checker(world)
{
    /// <summary>How far behind the verifier's decisions a gateway may be at the end: in-flight notices.</summary>
    private const int NoticeSlackMs = 200;
    private readonly Dictionary<int, SortedSet<ulong>> _committed = new();
    private readonly Dictionary<int, ulong> _decided = new();
    /// <summary>Per zone, (when, k) of recent decisions, so "decided long enough ago" can be asked.</summary>
    private readonly Dictionary<int, Queue<(long AtMs, ulong Seq)>> _decisions = new();
    private readonly Dictionary<int, ulong> _decidedLongAgo = new();
    private readonly Dictionary<(int Zone, ulong Seq), long> _gapSinceMs = new();

    public override string Name => "commit-gaps";
    private bool Judging => World.ChecksLiveness && World.HealedAtMs >= 0 && World.Phase is SimPhase.Liveness or SimPhase.Drain or SimPhase.Done;

    public override void OnGatewayCommitted(SimGateway gateway, CommittedBatch batch)
    {
        if (batch.Seq <= Decided(gateway.ZoneIndex)) return;
        if (!_committed.TryGetValue(gateway.ZoneIndex, out var set)) _committed[gateway.ZoneIndex] = set = [];
        set.Add(batch.Seq);
    }

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        var zone = World.ZoneIndex(batch.Zone);
        _decided[zone] = batch.Seq;
        if (_committed.TryGetValue(zone, out var set)) set.RemoveWhere(s => s <= batch.Seq);
        if (!_decisions.TryGetValue(zone, out var queue)) _decisions[zone] = queue = new();
        queue.Enqueue((World.Clock.NowMs, batch.Seq));
        // Only decisions younger than the bound are asked about one by one; older ones are summarized.
        while (queue.Peek().AtMs < World.Clock.NowMs - World.Setup.EffectiveLivenessBoundMs - NoticeSlackMs)
            _decidedLongAgo[zone] = queue.Dequeue().Seq;
    }

    public override void AfterStep()
    {
        if (!Judging || World.Clock.NowMs % 100 != 0) return;
        Check(frontierLagMs: World.Setup.EffectiveLivenessBoundMs);
    }

    /// <summary>At the end, a gateway may only lack the notices still in flight.</summary>
    public override void AtEnd()
    {
        if (Judging) Check(frontierLagMs: NoticeSlackMs);
    }

    private void Check(long frontierLagMs)
    {
        var now = World.Clock.NowMs;
        var boundMs = World.Setup.EffectiveLivenessBoundMs;
        for (var zone = 0; zone < World.Setup.Zones; zone++)
        {
            var decided = Decided(zone);
            foreach (var key in _gapSinceMs.Keys.Where(k => k.Zone == zone && k.Seq <= decided).ToList()) _gapSinceMs.Remove(key);
            if (_committed.TryGetValue(zone, out var set) && set.Count > 0)
            {
                for (var seq = decided + 1; seq < set.Max; seq++)
                {
                    if (set.Contains(seq))
                    {
                        _gapSinceMs.Remove((zone, seq));
                        continue;
                    }
                    if (!_gapSinceMs.TryGetValue((zone, seq), out var firstMs)) _gapSinceMs[(zone, seq)] = firstMs = now;
                    var openMs = now - Math.Max(firstMs, World.HealedAtMs);
                    if (openMs > boundMs)
                        throw Violation($"zone {World.Registry.Zones[zone].Id}: no correct gateway has committed k={seq} for {openMs} ms (bound {boundMs} ms), " +
                            $"though k={set.Max} is committed and the verifier waits at k_max={decided + 1}");
                }
            }

            var mustHave = DecidedBefore(zone, now - frontierLagMs);
            foreach (var gateway in World.ZoneGateways(zone))
            {
                if (!gateway.IsCorrect || !gateway.IsUp || gateway.Replica.CommittedFrontier >= mustHave) continue;
                throw Violation($"{gateway.Name}: everything up to k={gateway.Replica.CommittedFrontier} is committed or known decided there, but the verifier decided k={mustHave} " +
                    $"more than {frontierLagMs} ms ago: a correct gateway left behind (view {gateway.Replica.View}, h {gateway.Replica.LowWatermark})");
            }
        }
    }

    private ulong Decided(int zone) => _decided.TryGetValue(zone, out var seq) ? seq : 0;

    /// <summary>The highest k the verifier had decided at <paramref name="atMs"/>.</summary>
    private ulong DecidedBefore(int zone, long atMs)
    {
        var result = _decidedLongAgo.TryGetValue(zone, out var old) ? old : 0;
        if (!_decisions.TryGetValue(zone, out var queue)) return result;
        foreach (var (when, seq) in queue)
            if (when <= atMs) result = seq;
        return result;
    }
}
