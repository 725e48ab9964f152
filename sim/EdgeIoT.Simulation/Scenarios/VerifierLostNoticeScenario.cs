using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// The verifier crashes between persisting a decision and publishing it, one to three times (decisions.md
/// D22). The zone's gateways never hear of those decisions, so their windows do not slide on their own;
/// the re-spawned executors' VERIFYs for decided batches must make the verifier announce the zone's
/// latest decision again. <c>--unsafe no-reannounce</c> turns that off, and the zone stalls.
/// </summary>
public sealed class VerifierLostNoticeScenario : Scenario
{
    public override string Name => "verifier-lost-notice";
    public override string Description => "the verifier crashes after persisting decisions and before announcing them: the zone learns them from the verifier's re-announcement, and does not stall";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        foreach (var atMs in faults.SpreadOverSafetyPhase(random)) faults.CrashVerifierBeforeNotice(atMs, 1 + random.Next(200));
    }
}
