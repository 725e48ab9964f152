using System.Reflection;
using EdgeIoT.Simulation.Scenarios;
using EdgeIoT.Simulation.Tests.Scenarios;

namespace EdgeIoT.Simulation.Tests;

public class CatalogTests
{
    [Fact]
    public void Every_runnable_scenario_has_a_seed_test_class()
    {
        var tested = typeof(ScenarioSeedTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ScenarioSeedTests)) && !t.IsAbstract)
            .Select(t => ((ScenarioSeedTests)Activator.CreateInstance(t, BindingFlags.Public | BindingFlags.Instance, null, [null], null)!).Scenario)
            .ToHashSet();
        // Multi-zone scenarios have their own test classes (GlobalScenarioSeedTests).
        Assert.Equal(ScenarioCatalog.Runnable.Where(s => s is not Global.GlobalScenario).Select(s => s.Name).Order(), tested.Order());
    }

    [Fact]
    public void Safety_only_and_pending_scenarios_say_why()
    {
        foreach (var scenario in ScenarioCatalog.All.Where(s => !s.ChecksLiveness || s.PendingReason is not null))
            Assert.True((scenario.LivenessSkipReason ?? scenario.PendingReason)!.Length > 40, $"{scenario.Name} gives no real reason");
        // Only a real protocol limit keeps a runnable scenario out of the liveness phase.
        Assert.Equal(["conflicting-clients-silent-executor"], ScenarioCatalog.Runnable.Where(s => !s.ChecksLiveness).Select(s => s.Name));
    }
}
