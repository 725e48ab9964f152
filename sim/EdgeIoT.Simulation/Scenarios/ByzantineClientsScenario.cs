using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>Devices sending garbage, replays and equivocating timestamps beside correct ones.</summary>
public sealed class ByzantineClientsScenario : Scenario
{
    public override string Name => "byzantine-clients";
    public override string Description => "byzantine devices send garbage and forgeries, replay captured transactions, and sign two transactions with one timestamp";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.ByzantineDevices.Add((0, new GarbageTransactions()));
        setup.ByzantineDevices.Add((0, new ReplayAttack()));
        setup.ByzantineDevices.Add((0, new EquivocatingTimestamps()));
    }
}
