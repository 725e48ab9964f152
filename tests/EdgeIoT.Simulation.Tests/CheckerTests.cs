using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation.Tests;

/// <summary>Checkers added for the view change and checkpoints are not vacuous.</summary>
public class CheckerTests
{
    [Fact]
    public void A_correct_gateway_that_never_catches_up_is_reported_by_the_commit_gap_checker()
    {
        var failure = Assert.Throws<SimulationFailure>(() => Simulation.Run(new LeftBehindScenario(), 1));
        Assert.Equal("commit-gaps", failure.Checker);
        Assert.Contains("z1-g3", failure.Detail);
    }

    /// <summary>Gateway 3 counts as correct but hears no peer and no verifier notice: it can never learn what committed.</summary>
    private sealed class LeftBehindScenario : Scenario
    {
        public override string Name => "left-behind";
        public override string Description => "test only: a correct-looking gateway that cannot catch up";

        protected override void Shape(ScenarioSetup setup, Random random) => setup.ByzantineGateways[(0, 3)] = new Deaf();
    }

    private sealed class Deaf : GatewayStrategy
    {
        public override bool IsByzantine => false;
        public override bool AcceptInbound(SimGateway gateway, Message message) => message.Kind is not (MessageKind.Peer or MessageKind.Notice);
    }
}
