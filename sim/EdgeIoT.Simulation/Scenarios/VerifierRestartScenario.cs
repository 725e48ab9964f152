using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// The verifier crashes and restarts from its storage, losing every VERIFY it held (decisions D8);
/// an executor crashes too, losing its in-flight requests. Re-spawns must recover both.
/// </summary>
public sealed class VerifierRestartScenario : Scenario
{
    public override string Name => "verifier-restart";
    public override string Description => "the verifier and an executor crash and restart mid-run: nothing persisted is lost or applied twice, re-spawns recover the rest";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var safetyMs = faults.World.Setup.SafetyPhaseMs;
        foreach (var atMs in faults.SpreadOverSafetyPhase(random)) faults.CrashAndRestart(NodeId.Verifier, atMs, 1 + random.Next(200));
        faults.CrashAndRestart(new NodeId(NodeRole.Executor, random.Next(faults.World.Executors.Count)), random.Next(safetyMs / 2), 1 + random.Next(500));
    }
}
