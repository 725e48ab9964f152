namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A named simulation setting: who misbehaves and how, what the network does, which faults happen and
/// when. A run is a safety phase (faults on) then, unless the scenario says why not, a liveness phase
/// (network healed). Add a scenario by subclassing and listing it in <see cref="ScenarioCatalog"/>.
/// </summary>
public abstract class Scenario
{
    public abstract string Name { get; }
    /// <summary>One sentence: what the scenario shows.</summary>
    public abstract string Description { get; }
    /// <summary>Null when the liveness phase runs; otherwise the reason it cannot yet, printed with every result.</summary>
    public virtual string? LivenessSkipReason => null;
    public bool ChecksLiveness => LivenessSkipReason is null;
    /// <summary>
    /// Non-null when the scenario waits for a protocol feature that is not on main yet: listed, skipped
    /// by seed sweeps and tests, still runnable one seed at a time to try the feature out.
    /// </summary>
    public virtual string? PendingReason => null;

    /// <summary>Checkers only this scenario needs (a property of what it attacks), beside the standard ones.</summary>
    public virtual IEnumerable<Checkers.Checker> ExtraCheckers(World world) => [];

    /// <summary>Randomizes what every scenario varies per seed, then lets the scenario shape the rest.</summary>
    public void Configure(ScenarioSetup setup, Random random)
    {
        setup.Protocol.BatchSizeMax = random.Next(6) switch { 0 => 1, < 3 => 4, _ => 16 };
        setup.Protocol.BatchTimeoutMs = 2 + random.Next(11);
        setup.ThinkTimeMaxMs = 10 + random.Next(50);
        var delayMaxMs = 3 + random.Next(20);
        setup.SafetyNetwork = new(
            new(1, delayMaxMs, SlowRate: 0.02, SlowDelayMaxMs: 4 * delayMaxMs),
            new(1, delayMaxMs, SlowRate: 0.02, SlowDelayMaxMs: 4 * delayMaxMs));
        Shape(setup, random);
    }

    /// <summary>The scenario's own topology, roles and network.</summary>
    protected virtual void Shape(ScenarioSetup setup, Random random) { }

    /// <summary>Faults during the safety phase, once the world exists.</summary>
    public virtual void ScheduleFaults(FaultSchedule faults, Random random) { }

    public override string ToString() => Name;
}
