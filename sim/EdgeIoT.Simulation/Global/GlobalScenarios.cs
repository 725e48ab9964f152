using EdgeIoT.Core.Config;

namespace EdgeIoT.Simulation.Global;

/// <summary>No faults: both leader modes, three or five zones, migrations from every zone.</summary>
public sealed class GlobalNormalScenario : GlobalScenario
{
    public override string Name => "global-normal";
    public override string Description => "zones migrate devices with no faults (stable leader or leader election, 3 or 5 zones)";
    protected override void Shape(GlobalSetup setup, Random random) => setup.SlowRate = 0;
}

/// <summary>Loss, duplication and slow tails on every link, intra-zone and wide-area.</summary>
public sealed class GlobalLossyScenario : GlobalScenario
{
    public override string Name => "global-lossy";
    public override string Description => "loss, duplication and reordering on every link: re-sent steps, RESPONSE-QUERY, re-endorsement";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        setup.DropRate = 0.02 + random.NextDouble() * 0.06;
        setup.DuplicateRate = 0.05;
        setup.SlowRate = 0.05;
    }
}

/// <summary>Leader election under contention: many devices, short think times, five zones.</summary>
public sealed class GlobalCollisionsScenario : GlobalScenario
{
    public override string Name => "global-collisions";
    public override string Description => "leader election with many concurrent initiators: ballot collisions, back-off, recovered accepted values";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        setup.Leader = GlobalLeaderMode.LeaderElection;
        setup.Zones = 5;
        setup.DevicesPerZone = 3;
        setup.ThinkTimeMaxMs = 40;
        setup.InterDelayMaxMs = 25 + random.Next(15);
        setup.DropRate = 0.01;
    }
}

/// <summary>A minority of zones (the stable one half the time) cut off for a while.</summary>
public sealed class GlobalPartitionScenario : GlobalScenario
{
    public override string Name => "global-partition";
    public override string Description => "a minority zone (the stable zone half the time) partitioned for seconds, or every zone cut off from every other for a while";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        if (random.Next(3) == 0)
        {
            // No majority anywhere: nothing may be decided, and everything resumes after.
            var outage = 500 + random.Next(1000);
            for (var z = 0; z < setup.Zones; z++) setup.ZonePartitions.Add((z, outage, outage + 600 + random.Next(1200)));
            return;
        }
        var cut = setup.Leader == GlobalLeaderMode.StableLeader && random.Next(2) == 0 ? setup.StableZone : random.Next(setup.Zones);
        var from = 500 + random.Next(1500);
        setup.ZonePartitions.Add((cut, from, from + 1000 + random.Next(2500)));
        if (setup.Zones == 5 && random.Next(2) == 0)
        {
            var second = (cut + 1 + random.Next(4)) % 5;
            setup.ZonePartitions.Add((second, from + 300, from + 2000));
        }
    }
}

/// <summary>A zone crashes: for good (never the stable zone), or until the heal.</summary>
public sealed class GlobalCrashedZoneScenario : GlobalScenario
{
    public override string Name => "global-crashed-zone";
    public override string Description => "a zone crashes mid-run, for good or until the heal: a majority keeps migrating; a restarted zone catches up";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        var restart = random.Next(2) == 0;
        var candidates = Enumerable.Range(0, setup.Zones).Where(z => restart || setup.Leader == GlobalLeaderMode.LeaderElection || z != setup.StableZone).ToList();
        setup.ZoneCrashes.Add((candidates[random.Next(candidates.Count)], 300 + random.Next(setup.SafetyPhaseMs - 800), restart));
        setup.DropRate = 0.01;
    }
}

/// <summary>A byzantine gateway in every zone (silent, tampering or flooding), the primary half the time.</summary>
public sealed class GlobalByzantineScenario : GlobalScenario
{
    public override string Name => "global-byzantine";
    public override string Description => "one byzantine gateway per zone (silent, tampering, flooding; often the primary): view changes, refused forgeries";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        for (var z = 0; z < setup.Zones; z++)
        {
            var index = random.Next(2) == 0 ? 0 : random.Next(setup.GatewaysPerZone);
            setup.Byzantine[(z, index)] = (ByzantineKind)random.Next(3);
        }
        setup.DropRate = 0.01;
        setup.LivenessBoundMs = 15_000;
    }
}

/// <summary>Tight policies: small zones and few migrations per period, so executions refuse deterministically.</summary>
public sealed class GlobalPoliciesScenario : GlobalScenario
{
    public override string Name => "global-policies";
    public override string Description => "clientsPerZoneMax and migrationsPerPeriodMax bite: refusals published by f+1 gateways, identical everywhere";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        setup.DevicesPerZone = 4;
        setup.ClientsPerZoneMax = 5;
        setup.MigrationsPerPeriodMax = 2;
        setup.MigrationPeriodMs = 1500 + random.Next(1500);
        setup.ThinkTimeMaxMs = 60;
    }
}

/// <summary>Everything at once: byzantine gateways, loss, a partition and a zone crash with restart.</summary>
public sealed class GlobalChaosScenario : GlobalScenario
{
    public override string Name => "global-chaos";
    public override string Description => "byzantine gateways in every zone, loss and duplication, a partitioned zone and a zone crash and restart";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        for (var z = 0; z < setup.Zones; z++) setup.Byzantine[(z, random.Next(setup.GatewaysPerZone))] = (ByzantineKind)random.Next(3);
        setup.DropRate = 0.03;
        setup.DuplicateRate = 0.03;
        setup.SlowRate = 0.03;
        var cut = random.Next(setup.Zones);
        setup.ZonePartitions.Add((cut, 800, 2500));
        setup.ZoneCrashes.Add(((cut + 1) % setup.Zones, 1000 + random.Next(setup.SafetyPhaseMs - 1500), true));
        setup.LivenessBoundMs = 15_000;
    }
}

/// <summary>Leader election: an initiator zone dies right after sending an ACCEPT; the next initiator of that slot must finish its order.</summary>
public sealed class GlobalInitiatorCrashScenario : GlobalScenario
{
    public override string Name => "global-initiator-crash";
    public override string Description => "an initiator zone dies right after its ACCEPT: an order a majority accepted is committed by the next initiator (Paxos recovery)";
    protected override void Shape(GlobalSetup setup, Random random)
    {
        setup.Leader = GlobalLeaderMode.LeaderElection;
        setup.Zones = random.Next(2) == 0 ? 3 : 5;
        setup.CrashAfterAcceptZone = random.Next(setup.Zones);
        setup.CrashAfterAcceptFromMs = 300 + random.Next(1500);
        setup.ThinkTimeMaxMs = 100;
    }
}
