using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Experiments;

/// <summary>
/// serverlessbft §9, questions Q1-Q8, scaled to one 2-core machine: one zone, every process local.
/// The paper's SERVBFT-8 / SERVBFT-32 lines become one line (4 gateways) except where the question is
/// about the shim's size (Q8). Smoke points are each experiment's smallest setting.
/// </summary>
public static class ServerlessBftExperiments
{
    private static readonly SystemParams Standard = new();

    private static BenchPoint System(string series, double x, SystemParams p) => new(series, x, PointKind.System) { System = p };

    /// <summary>Paced devices of Q1's half-of-peak point: enough that each sends every few tens of milliseconds.</summary>
    public const int HalfPeakDevices = 50;
    public const string HalfPeakSeries = "servbft-4-half-peak";

    public static Experiment Q1 { get; } = new("Q1", "Devices vs throughput and latency", "serverlessbft Fig. 5", "closed-loop devices",
        [.. new[] { 10, 15, 25, 50, 100, 200, 400 }.Select(d => System("servbft-4", d, Standard with { Devices = d }))],
        [System("servbft-4", 10, Standard with { Devices = 10 })])
    {
        // The latency target is read at half of the peak load. Closed-loop devices cannot be told a rate,
        // and their requests arrive in waves just after each batch's responses; paced devices send
        // exactly half of the peak the sweep found, spread evenly (docs/performance.md).
        FollowUp = new($"{HalfPeakDevices} paced devices at half of the peak they found", HalfOfPeak),
    };

    /// <summary>Q1's extra point: <see cref="HalfPeakDevices"/> paced devices at half of the best throughput so far; null if nothing ran.</summary>
    public static BenchPoint? HalfOfPeak(IReadOnlyList<RunResult> runs)
    {
        var peak = runs.Where(r => r.Ok && r.Series != HalfPeakSeries).Select(r => r.ThroughputTps).DefaultIfEmpty(0).Max();
        var rate = (int)Math.Round(peak / 2);
        return rate < 1 ? null : System(HalfPeakSeries, HalfPeakDevices, Standard with { Devices = HalfPeakDevices, RateTps = rate });
    }

    public static Experiment Q2 { get; } = new("Q2", "Executors", "serverlessbft Fig. 6 (i)-(ii)", "executors n_E (f_E = (n_E-1)/2)",
        [.. new[] { 3, 5, 11, 15, 21 }.Select(e => System("servbft-4", e, Standard with { Executors = e }))],
        [System("servbft-4", 3, Standard with { Executors = 3, Devices = 10 })]);

    // Large batches only fill with many devices in flight: 400 closed-loop devices in every point.
    public static Experiment Q3 { get; } = new("Q3", "Batch size", "serverlessbft Fig. 6 (iii)-(iv)", "batch size (transactions)",
        [.. new[] { 10, 50, 100, 500, 1000, 5000 }.Select(b => System("servbft-4", b, Standard with { BatchSizeMax = b, Devices = 400 }))],
        [System("servbft-4", 10, Standard with { BatchSizeMax = 10, Devices = 10 })]) { LogX = true };

    public static Experiment Q4 { get; } = new("Q4", "Execution length", "serverlessbft Fig. 6 (v)-(vi)", "SHA-256 rounds per transaction",
        [.. new[] { 1, 1_000, 10_000, 100_000 }.Select(r => System("servbft-4", r, Standard with { WorkRounds = r }))],
        [System("servbft-4", 1_000, Standard with { WorkRounds = 1_000, Devices = 10 })]) { LogX = true };

    // §9.5: 11 executors (f_E = 5) over 5, 7, 9, 11 regions, round-robin. The smoke point keeps 3
    // executors in 3 regions so it stays a few seconds on 2 cores.
    public static Experiment Q5 { get; } = new("Q5", "Executor placement", "serverlessbft Fig. 6 (vii)-(viii)", "regions (11 executors round-robin)",
        [.. new[] { 5, 7, 9, 11 }.Select(r => System("servbft-4", r, Standard with { Executors = 11, Regions = r, ExecutorDelaysMs = Regions.RoundRobin(11, r) }))],
        [System("servbft-4", 3, Standard with { Executors = 3, Regions = 3, ExecutorDelaysMs = Regions.RoundRobin(3, 3), Devices = 10 })]);

    // §9.6 varies the shim's cores; here the gateways are pinned to one core or may use both.
    public static Experiment Q6 { get; } = new("Q6", "Computing power of the shim", "serverlessbft Fig. 6 (ix)-(x)", "cores the gateways may use",
        [System("servbft-4", 1, Standard with { GatewayCores = 1 }), System("servbft-4", 2, Standard with { GatewayCores = 2 })],
        [System("servbft-4", 1, Standard with { GatewayCores = 1, Devices = 10 })]);

    private static readonly int[] ConflictShares = [0, 10, 20, 30, 40, 50];

    public static Experiment Q7 { get; } = new("Q7", "Conflicting transactions", "serverlessbft Fig. 6 (xi)-(xii)", "conflicting transactions (%)",
        // Two series: the default, where a light load's partial batches are decided one after another and
        // cannot conflict, and batches overlapping as in the paper (4 partial batches in flight).
        [.. ConflictShares.Select(c => System("servbft-4", c, Standard with { ConflictPercent = c })),
         .. ConflictShares.Select(c => System("servbft-4-overlap", c, Standard with { ConflictPercent = c, PartialBatchesInFlightMax = 4 }))],
        [System("servbft-4", 10, Standard with { ConflictPercent = 10, Devices = 10 })]);

    /// <summary>Shim sizes of §9.8 that fit this machine.</summary>
    public static readonly int[] ShimSizes = [4, 7, 10, 16];
    /// <summary>The full system's port plan holds this many gateways in a zone.</summary>
    public const int SystemGatewaysMax = Provisioning.PortPlan.GatewaysPerZoneMax;

    // §9.8: the four designs of Fig. 7. ServerlessBFT and NO SHIM are the real system (NO SHIM: one
    // gateway, which orders alone and spawns at once); PBFT and the CFT shim are benchmark clusters of
    // real processes whose replicas execute themselves (no executors, no verifier).
    private static ClusterSpec Baseline(ClusterProtocol protocol, int replicas, int clients) =>
        new() { Protocol = protocol, Execution = ClusterExecution.Kv, Replicas = replicas, Clients = clients, RequestBytes = 256 };

    public static Experiment Q8 { get; } = new("Q8", "Baselines and shim size", "serverlessbft Fig. 7", "shim nodes",
        [
            .. ShimSizes.Where(n => n <= SystemGatewaysMax).Select(n => System("serverlessbft", n, Standard with { Gateways = n })),
            .. ShimSizes.Select(n => new BenchPoint("pbft", n, PointKind.ClusterProcesses) { Cluster = Baseline(ClusterProtocol.Pbft, n, Standard.Devices) }),
            .. ShimSizes.Select(n => new BenchPoint("cft-paxos", n, PointKind.ClusterProcesses) { Cluster = Baseline(ClusterProtocol.Paxos, n, Standard.Devices) }),
            System("no-shim", 1, Standard with { Gateways = 1 }),
        ],
        [
            System("serverlessbft", 4, Standard with { Devices = 10 }),
            new BenchPoint("pbft", 4, PointKind.ClusterProcesses) { Cluster = Baseline(ClusterProtocol.Pbft, 4, 10) },
            new BenchPoint("cft-paxos", 4, PointKind.ClusterProcesses) { Cluster = Baseline(ClusterProtocol.Paxos, 4, 10) },
            System("no-shim", 1, Standard with { Gateways = 1, Devices = 10 }),
        ]);

    public static IReadOnlyList<Experiment> All { get; } = [Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8];
}
