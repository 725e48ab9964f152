using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// S1 (serverlessbft §5.1): the primary of view 0 drops every request, including those the verifier's
/// ERROR(T) hands it. Backups time the requests they saw, suspect, and f_R + 1 suspicions move the
/// zone to a view whose primary proposes them (decisions D14).
/// </summary>
public sealed class RequestIgnoranceScenario : Scenario
{
    public override string Name => "request-ignorance";
    public override string Description => "S1: the primary ignores every request; backups' request timers and the verifier's ERROR(T) lead to a view change";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Zones = 1 + random.Next(2);
        setup.ByzantineGateways[(0, 0)] = new IgnoringPrimary();
    }
}
