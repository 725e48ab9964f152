using EdgeIoT.Core.Config;
using EdgeIoT.Simulation.Byzantine;
using EdgeIoT.Simulation.Checkers;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// §6.3: a byzantine primary delays spawning some batches to get conflicting later transactions
/// aborted. With decentralized spawning every gateway spawns its own slice of executors when it
/// commits, and with conflict avoidance the correct gateways hold a conflicting batch until the
/// earlier one is decided, so f_E + 1 matching, fresh VERIFY come from correct gateways' executors and
/// no correct device's transaction aborts (<see cref="NoAbortsChecker"/>). Only against delay: a
/// gateway that instead rushes every committed batch to all executors (<see cref="RushingSpawner"/>)
/// still forces aborts, because the verifier counts each executor's first VERIFY per k (trial merge of
/// the conflicts branch: seeds 1 and 3 abort).
/// </summary>
public sealed class DecentralizedSpawningScenario : Scenario
{
    public override string Name => "decentralized-spawning";
    public override string Description => "§6.3: a primary delays spawns to force aborts; with decentralized spawning and conflict avoidance it cannot";
    public override IEnumerable<Checker> ExtraCheckers(World world) => [new NoAbortsChecker(world)];

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Workload = WorkloadKind.DeclaredContention;
        setup.Protocol.ConflictsPossible = true;
        setup.Protocol.Spawning = SpawningMode.Decentralized;
        setup.Protocol.ConflictAvoidance = true;
        setup.Executors = 4;
        setup.FaultyExecutors = 1;
        setup.ByzantineGateways[(0, 0)] = new DelayingSpawner(delayMs: 20 + random.Next(100), heldFraction: 0.3 + 0.5 * random.NextDouble());
    }
}
