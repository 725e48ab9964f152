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

    /// <summary>
    /// A multi-zone run, in the same shape: DecidedBatches counts executed global transactions (slots),
    /// Committed the allowed migrations, Rejected the refused ones, Commits the executions at correct
    /// gateways, DeviceRequests/Answers the devices' migrations and their outcomes.
    /// </summary>
    internal static SimulationResult From(Global.GlobalWorld world, double wallMs)
    {
        var log = world.Checks.OfType<Global.GlobalAgreementCheck>().Single().Log;
        var liveness = world.Checks.OfType<Global.GlobalLivenessCheck>().Single();
        return new SimulationResult(
            world.Scenario.Name, world.Seed, world.Trace.Hash(), world.Trace.Count, true, null, world.Clock.NowMs, wallMs,
            log.Count, log.Count(e => e.Outcome == "allowed"), 0, log.Count(e => e.Outcome != "allowed"),
            world.CorrectGateways.Sum(g => g.Executed), world.Sent, world.Delivered, world.Dropped,
            world.Devices.Sum(d => d.Submitted), world.Devices.Sum(d => d.Moved + d.RefusedCount),
            liveness.Answered, liveness.MaxLatencyMs, CollectMetrics(world), NodeCounters(world), Simulation.FormatTail(world, world.Options.FailureTail));
    }

    private static IReadOnlyDictionary<string, long> CollectMetrics(Global.GlobalWorld world)
    {
        var correct = world.CorrectGateways.Select(g => g.Coordinator.Metrics).ToList();
        return new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["global.moved"] = world.Devices.Sum(d => d.Moved),
            ["global.refused"] = world.Devices.Sum(d => d.RefusedCount),
            ["global.device_retries"] = world.Devices.Sum(d => d.Retries),
            ["global.view_changes"] = world.DataPlane.ViewChanges,
            ["global.locks"] = world.DataPlane.LocksDecided,
            ["global.adopts"] = world.DataPlane.AdoptsDecided,
            ["global.invalid_entries"] = world.DataPlane.InvalidEntries,
            ["global.collisions"] = correct.Sum(m => m.Collisions),
            ["global.recovered"] = correct.Sum(m => m.Recovered),
            ["global.retries"] = correct.Sum(m => m.Retries),
            ["global.pipelined_slots"] = correct.Sum(m => m.PipelinedSlots),
            ["global.slots_in_flight_peak"] = correct.Count == 0 ? 0 : correct.Max(m => m.SlotsInFlightPeak),
            ["global.queries_sent"] = correct.Sum(m => m.QueriesSent),
            ["global.queries_answered"] = correct.Sum(m => m.QueriesAnswered),
            ["global.suspicions"] = correct.Sum(m => m.Suspicions),
            ["global.rejected"] = correct.Sum(m => m.Rejected),
            ["global.endorse_refused"] = correct.Sum(m => m.EndorseRefused),
            ["global.tampered"] = world.Gateways.Sum(g => g.Tampered),
            ["global.flooded"] = world.Gateways.Sum(g => g.Flooded),
            ["global.local_batches"] = world.DataPlane.LocalBatches,
            ["global.zone_digests_missed"] = world.DataPlane.DigestsMissed,
            ["global.checkpoints_kept"] = correct.Sum(m => m.CheckpointsKept),
            ["global.checkpoints_held"] = world.CorrectGateways.Sum(g => (long)g.Coordinator.Checkpoints.Count),
            ["global.checkpoints_checked"] = world.Checks.OfType<Global.GlobalCheckpointCheck>().Single().Checked,
            ["global.checkpoint_mismatches"] = correct.Sum(m => m.CheckpointMismatches),
            ["global.checkpoints_dropped"] = correct.Sum(m => m.CheckpointsDropped),
            ["network.dropped"] = world.Dropped,
            ["network.duplicated"] = world.Duplicated,
        };
    }

    internal static IReadOnlyList<string> NodeCounters(Global.GlobalWorld world)
    {
        var lines = new List<string>();
        foreach (var g in world.Gateways)
        {
            var c = g.Coordinator;
            var m = c.Metrics;
            lines.Add($"{g.Name}: view {c.View}{(c.IsPrimary ? " primary" : "")}, executed through slot {c.LastExecuted}, endorsed {m.Endorsed}, refused to endorse {m.EndorseRefused}, certified {m.Certified}, " +
                $"proposals {m.Proposals} ({m.PipelinedSlots} pipelined, at most {m.SlotsInFlightPeak} at once), retries {m.Retries}, collisions {m.Collisions}, queries {m.QueriesSent}/{m.QueriesAnswered} answered, suspicions {m.Suspicions}, rejected {m.Rejected}, " +
                $"locks {m.LockRequests}, adopts {m.AdoptRequests}, histories {m.HistoriesCertified}, checkpoints attached {m.CheckpointsAttached}/confirmed {m.CheckpointsConfirmed}/mismatched {m.CheckpointMismatches}/awaited {m.CheckpointsAwaited}/dropped {m.CheckpointsDropped}/kept {m.CheckpointsKept}{(world.IsZoneUp(g.Zone) ? "" : ", DOWN")}" +
                (g.LastRejections.Count > 0 ? $"; last rejection: {g.LastRejections[^1]}" : "") + $"\n      state: {c.DescribeState()}");
        }
        lines.Add($"devices: {world.Devices.Sum(d => d.Submitted)} migrations submitted, {world.Devices.Sum(d => d.Moved)} moved, {world.Devices.Sum(d => d.RefusedCount)} refused, {world.Devices.Count(d => !d.IsIdle)} open: " +
            string.Join("; ", world.Devices.Where(d => !d.IsIdle).Select(d => d.PendingDescription)));
        if (world.CorrectGateways.FirstOrDefault() is { } reference)
            lines.Add($"metadata at {reference.Name}: {reference.Coordinator.Metadata.Allowed} allowed, refused {string.Join(", ", reference.Coordinator.Metadata.RefusedByReason.Select(r => $"{r.Key} {r.Value}"))}; duplicates {reference.Coordinator.Metrics.Refused - reference.Coordinator.Metadata.RefusedByReason.Values.Sum(v => (long)v)}");
        lines.Add($"data plane: views {string.Join(", ", Enumerable.Range(0, world.Setup.Zones).Select(z => $"{world.ZoneId(z)}={world.DataPlane.View(z)}"))}, locks {world.DataPlane.LocksDecided}, adopts {world.DataPlane.AdoptsDecided}, refused entries {world.DataPlane.EntriesRefused}, invalid {world.DataPlane.InvalidEntries}");
        lines.Add($"network: {world.Sent} sent, {world.Delivered} delivered, {world.Dropped} dropped, {world.Duplicated} duplicated; leader {world.Setup.Leader}, {world.Setup.Zones} zones; " +
            $"endorsement checks {world.EndorsementCheck.Checked} ({world.EndorsementCheck.Hits} remembered); orders recovered by a later ballot {world.CorrectGateways.Sum(g => g.Coordinator.Metrics.Recovered)}");
        return lines;
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
        ["verifier.notices_lost_to_crash"] = world.Verifier.NoticesLostToCrash,
        ["verifier.notices_reannounced"] = world.Verifier.NoticesReannounced,
        // Devices the verifier's storage places outside their home zone: migrations that completed.
        ["verifier.devices_moved"] = world.Verifier.State.Owners.Count(o => world.Registry.TryGetDevice(o.Key, out var d) && d.Zone != o.Value.Zone),
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
            $"aborted without quorum {v.AbortedWithoutQuorum}; direct requests {v.DirectRequests}; restarts {v.Restarts}, decisions whose notice a crash lost {v.NoticesLostToCrash}, notices re-announced {v.NoticesReannounced}; notices {string.Join(", ", v.NoticesSent.Select(n => $"{n.Key} {n.Value}"))}; " +
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
