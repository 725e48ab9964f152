namespace EdgeIoT.Simulation.Scenarios;

/// <summary>Every named scenario, in the order runs and listings use.</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new NormalScenario(),
        new MigrationRaceScenario(),
        new LossyScenario(),
        new LossyPeersScenario(),
        new LyingExecutorScenario(),
        new GarbageExecutorScenario(),
        new FloodingSpawnerScenario(),
        new ByzantineClientsScenario(),
        new EquivocatingPrimaryScenario(),
        new PartitionMinorityScenario(),
        new ContentionScenario(),
        new ConflictingClientsScenario(),
        new VerifierRestartScenario(),
        new VerifierLostNoticeScenario(),
        new CrashedNodesScenario(),
        new WindowPressureScenario(),
        new RequestIgnoranceScenario(),
        new UnsuccessfulConsensusScenario(),
        new FewExecutorsScenario(),
        new NodeExclusionScenario(),
        new EquivocationViewChangeScenario(),
        new ByzantineNewPrimaryScenario(),
        new GatewayRestartScenario(),
        new GatewayChaosScenario(),
        new ByzantineChaosScenario(),
        new VerifierTimerAbortScenario(),
        new ConflictingClientsSilentExecutorScenario(),
        new DecentralizedSpawningScenario(),
        // Multi-zone: global coordinators in their own world (sim/EdgeIoT.Simulation/Global).
        new Global.GlobalNormalScenario(),
        new Global.GlobalLossyScenario(),
        new Global.GlobalCollisionsScenario(),
        new Global.GlobalPartitionScenario(),
        new Global.GlobalCrashedZoneScenario(),
        new Global.GlobalInitiatorCrashScenario(),
        new Global.GlobalByzantineScenario(),
        new Global.GlobalPoliciesScenario(),
        new Global.GlobalChaosScenario(),
    ];

    /// <summary>Every scenario that is not waiting for a protocol feature (<see cref="Scenario.PendingReason"/>).</summary>
    public static IReadOnlyList<Scenario> Runnable { get; } = All.Where(s => s.PendingReason is null).ToList();

    public static Scenario Get(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown scenario \"{name}\" (known: {string.Join(", ", All.Select(s => s.Name))})");

    public static bool TryGet(string name, out Scenario scenario)
    {
        scenario = All.FirstOrDefault(s => s.Name == name)!;
        return scenario is not null;
    }
}
