using EdgeIoT.Simulation.Checkers;

namespace EdgeIoT.Simulation;

/// <summary>What one run did, for summaries; <see cref="TraceHash"/> identifies its exact event sequence.</summary>
public sealed record SimulationResult(
    string Scenario,
    ulong Seed,
    string TraceHash,
    long TraceEvents,
    bool LivenessChecked,
    string? LivenessSkipReason,
    long SimulatedMs,
    double WallMs,
    long DecidedBatches,
    long Committed,
    long Aborted,
    long Rejected,
    long CommitsAtGateways,
    long MessagesSent,
    long MessagesDelivered,
    long MessagesDropped,
    long DeviceRequests,
    long DeviceAnswers,
    long LivenessAnswers,
    long LivenessMaxLatencyMs,
    IReadOnlyDictionary<string, long> Metrics,
    IReadOnlyList<string> Counters,
    IReadOnlyList<string> TraceTail)
{
    internal static SimulationResult From(World world, double wallMs)
    {
        var verifier = world.Verifier;
        var liveness = world.Checkers.Get<LivenessChecker>();
        var agreement = world.Checkers.All.OfType<CommitAgreementChecker>().SingleOrDefault();
        return new SimulationResult(
            world.Scenario.Name,
            world.Seed,
            world.Trace.Hash(),
            world.Trace.Count,
            world.ChecksLiveness,
            world.ChecksLiveness ? null : world.Scenario.LivenessSkipReason,
            world.Clock.NowMs,
            wallMs,
            verifier.DecidedBatches,
            verifier.Committed,
            verifier.Aborted,
            verifier.Rejected,
            agreement?.Commits ?? 0,
            world.Network.Sent,
            world.Network.Delivered,
            world.Network.Dropped,
            world.CorrectDevices.Sum(d => d.Submitted),
            world.CorrectDevices.Sum(d => d.Completed),
            liveness.Answered,
            liveness.MaxLatencyMs,
            CollectMetrics(world),
            NodeCounters(world),
            Simulation.FormatTail(world, world.Options.FailureTail));
    }

    /// <summary>Totals tests use as evidence that a scenario's faults happened and were handled.</summary>
    private static IReadOnlyDictionary<string, long> CollectMetrics(World world) => new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        ["gateway.refused"] = world.Gateways.Sum(g => g.Refused),
        ["gateway.peer_rejected"] = world.Gateways.Sum(g => g.PeerRejected),
        ["gateway.equivocations_seen"] = world.Gateways.Sum(g => g.Replica.Metrics.Equivocations),
        ["gateway.respawned"] = world.Gateways.Sum(g => g.Invoker.Respawned),
        ["gateway.suspicions"] = world.Gateways.Where(g => g.IsCorrect).Sum(g => g.Suspicions),
        ["gateway.views_installed"] = world.Gateways.Where(g => g.IsCorrect).Sum(g => g.ViewsInstalled),
        ["gateway.caught_up"] = world.Gateways.Where(g => g.IsCorrect).Sum(g => g.BatchesCaughtUp),
        ["gateway.restarts"] = world.Gateways.Sum(g => g.Restarts),
        ["gateway.complaints_heard"] = world.Gateways.Sum(g => g.Complaints),
        ["verifier.notices.replace"] = world.Verifier.NoticesSent.GetValueOrDefault("Replace"),
        ["verifier.notices.error_seq"] = world.Verifier.NoticesSent.GetValueOrDefault("ErrorSeq"),
        ["verifier.notices.error_tx"] = world.Verifier.NoticesSent.GetValueOrDefault("ErrorTx"),
        ["verifier.notices.ack"] = world.Verifier.NoticesSent.GetValueOrDefault("Ack"),
        ["verifier.aborted_without_quorum"] = world.Verifier.AbortedWithoutQuorum,
        ["verifier.direct_requests"] = world.Verifier.DirectRequests,
        ["byzantine.equivocations"] = world.Gateways.Select(g => g.Strategy).OfType<Byzantine.EquivocatingPrimary>().Sum(s => s.Equivocations),
        ["byzantine.ignored_requests"] = Strategies<Byzantine.IgnoringPrimary>(world).Sum(s => s.Ignored),
        ["byzantine.withheld_proposals"] = Strategies<Byzantine.WithholdingPrimary>(world).Sum(s => s.Withheld),
        ["byzantine.starved_spawns"] = Strategies<Byzantine.FewExecutorsPrimary>(world).Sum(s => s.Starved),
        ["byzantine.excluded_messages"] = Strategies<Byzantine.ExcludingGateway>(world).Sum(s => s.Excluded),
        ["byzantine.split_proposals"] = Strategies<Byzantine.SplittingPrimary>(world).Sum(s => s.Splits),
        ["byzantine.forged_new_views"] = Strategies<Byzantine.ForgingNewViewPrimary>(world).Sum(s => s.Forged),
        ["byzantine.held_spawns"] = Strategies<Byzantine.DelayingSpawner>(world).Sum(s => s.Held),
        ["gateway.new_views_rejected"] = world.Gateways.Where(g => g.IsCorrect).Sum(g => g.Replica.Metrics.NewViewsRejected),
        // Byzantine gateways sit in the first zone: its correct gateways' views tell whether it replaced them.
        ["gateway.z1.min_view"] = world.ZoneGateways(0).Where(g => g.IsCorrect && g.IsUp).Select(g => (long)g.Replica.View).DefaultIfEmpty(0).Min(),
        ["byzantine.floods"] = world.Gateways.Select(g => g.Strategy).OfType<Byzantine.FloodingSpawner>().Sum(s => s.Floods),
        ["byzantine.garbage_verify"] = world.Executors.Select(e => e.Strategy).OfType<Byzantine.GarbageExecutor>().Sum(s => s.GarbageSent),
        ["byzantine.device_messages"] = world.Devices.OfType<Nodes.ByzantineDevice>().Sum(d => d.Sent),
        ["executor.executed"] = world.Executors.Sum(e => e.Executed),
        ["executor.refused"] = world.Executors.Sum(e => e.Refused),
        ["verifier.verify_rejected"] = world.Verifier.VerifyRejected,
        ["verifier.verify_for_decided"] = world.Verifier.VerifyForDecided,
        ["verifier.restarts"] = world.Verifier.Restarts,
        ["device.retries_ignored_stale_refusals"] = world.CorrectDevices.Sum(d => d.Core.IgnoredRefusals),
        ["network.dropped"] = world.Network.Dropped,
        ["network.duplicated"] = world.Network.Duplicated,
    };

    private static IEnumerable<T> Strategies<T>(World world) where T : Nodes.GatewayStrategy => world.Gateways.Select(g => g.Strategy).OfType<T>();

    /// <summary>Per-role counters: evidence that a scenario's faults actually reached the code they target.</summary>
    internal static IReadOnlyList<string> NodeCounters(World world)
    {
        var lines = new List<string>();
        foreach (var g in world.Gateways)
        {
            var m = g.Replica.Metrics;
            lines.Add($"{g.Name} ({g.Strategy.Name}): admitted {g.Admitted}, refused {g.Refused}, peer rejected {g.PeerRejected}, notices rejected {g.NoticesRejected}, " +
                $"proposed {m.BatchesProposed}, committed {m.BatchesCommitted}, equivocations seen {m.Equivocations}, wrong view {m.WrongView}, outside window {m.OutsideWindow}, " +
                $"spawned {g.Invoker.Spawned}, respawned {g.Invoker.Respawned}; view {g.Replica.View}{(g.Replica.IsViewChanging ? $" (changing to {g.Replica.TargetView})" : "")}, h {g.Replica.LowWatermark}, " +
                $"suspicions {g.Suspicions}, view changes {g.ViewChangesStarted}, views installed {g.ViewsInstalled}, caught up {g.BatchesCaughtUp}, complaints heard {g.Complaints}, restarts {g.Restarts}" +
                (g.IsUp ? "" : ", DOWN"));
        }
        foreach (var e in world.Executors)
            lines.Add($"{e.Name} ({e.Strategy.Name}): executed {e.Executed}, refused {e.Refused}, abandoned {e.Abandoned}");
        var v = world.Verifier;
        var vm = v.Core.Metrics;
        lines.Add($"verifier: VERIFY rejected {v.VerifyRejected}, for decided k {v.VerifyForDecided}, duplicates filtered {v.VerifyDuplicates}; core since last start: counted {vm.VotesCounted}, duplicates {vm.DuplicateVotes}, " +
            $"for decided {vm.VotesForDecided}, too far ahead {vm.VotesTooFarAhead}, malformed quorums {vm.MalformedQuorums}, duplicate txs {vm.Duplicates}; " +
            $"aborted without quorum {v.AbortedWithoutQuorum}; direct requests {v.DirectRequests}; notices {string.Join(", ", v.NoticesSent.Select(n => $"{n.Key} {n.Value}"))}; " +
            $"k_max {string.Join(", ", world.Registry.Zones.Select(z => $"{z.Id}={v.Core.NextSeq(z.Id)}"))}");
        var devices = world.CorrectDevices;
        lines.Add($"correct devices: {devices.Sum(d => d.Submitted)} submitted, {devices.Sum(d => d.Completed)} answered, {devices.Sum(d => d.Core.InvalidResponses)} invalid responses, " +
            $"{devices.Sum(d => d.Core.IgnoredRefusals)} stale-timestamp refusals ignored");
        var byzantine = world.Devices.OfType<Nodes.ByzantineDevice>().ToList();
        if (byzantine.Count > 0) lines.Add($"byzantine devices: {string.Join(", ", byzantine.Select(d => $"{d.Name} ({d.Attack.Name}) sent {d.Sent}"))}");
        lines.Add($"network: {world.Network.Sent} sent, {world.Network.Delivered} delivered, {world.Network.Dropped} dropped, {world.Network.Duplicated} duplicated");
        return lines;
    }
}
