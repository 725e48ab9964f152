using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Experiments;

/// <summary>
/// One run of the full EdgeIoT system on this machine (broker, gateways, executors, verifier,
/// pre-signed closed-loop devices), as <c>edgeiot up</c> starts it, with the knobs the experiments turn.
/// </summary>
public sealed record SystemParams
{
    public int Devices { get; init; } = 50;
    /// <summary>The devices' combined sending rate (<c>up --rate</c>); null: closed loop at full speed.</summary>
    public int? RateTps { get; init; }
    /// <summary>Gateways of the one zone; 1 is the NO SHIM baseline (a single node that spawns executors at once).</summary>
    public int Gateways { get; init; } = 4;
    /// <summary>n_E; f_E is (n_E - 1) / 2 (serverlessbft: 2 f_E + 1 executors without conflicts).</summary>
    public int Executors { get; init; } = 3;
    public int BatchSizeMax { get; init; } = 100;
    /// <summary>
    /// Partial batches the primary lets be undecided at once (<c>protocol.partialBatchesInFlightMax</c>);
    /// null: the protocol's default. Q7 also runs with 4, where a light load overlaps batches and conflicts abort.
    /// </summary>
    public int? PartialBatchesInFlightMax { get; init; }
    /// <summary>SHA-256 rounds of synthetic work per transaction (Q4); 0 is the plain kv mix.</summary>
    public int WorkRounds { get; init; }
    public int ConflictPercent { get; init; }
    /// <summary>Per executor, the emulated one-way delay of its region (Q5); null: all on loopback.</summary>
    public IReadOnlyList<int>? ExecutorDelaysMs { get; init; }
    /// <summary>Regions the executors are spread over (Q5), for the record.</summary>
    public int? Regions { get; init; }
    /// <summary>Cores the gateways may use (Q6, via taskset); null: not pinned.</summary>
    public int? GatewayCores { get; init; }
    /// <summary>Zones of <see cref="Gateways"/> gateways each (Ziziphus); 1 is one zone.</summary>
    public int Zones { get; init; } = 1;
    /// <summary>Percent of device requests that migrate to another zone: ziziphus §5's global transactions.</summary>
    public int GlobalPercent { get; init; }
    /// <summary>How global transactions are led: "stable" (§3.2.2) or "election" (§3.2.1), <c>up --leader</c>.</summary>
    public string Leader { get; init; } = "stable";
    /// <summary>
    /// Regions one zone's gateways go round-robin over (the flat-PBFT baseline, <c>up --regions</c>); null:
    /// not spread. With <see cref="PaperPlacement"/> they are the paper's datacenters for that many zones.
    /// </summary>
    public int? GatewayRegions { get; init; }
    /// <summary>Zones (or the regions of a spread zone) in ziziphus §5's datacenters with their emulated delays (<c>up --zone-delays paper</c>).</summary>
    public bool PaperPlacement { get; init; }
    public string Workload { get; init; } = "kv";
    /// <summary>
    /// Devices sign their transactions before the run, outside the measurement. Off where devices
    /// migrate: the simulator signs migration requests as it goes, and the baseline they are compared
    /// with signs the same way.
    /// </summary>
    public bool Presign { get; init; } = true;

    /// <summary>What the run is, for the record: the Ziziphus zones, flat PBFT over regions, or one ServerlessBFT zone.</summary>
    public string Design => Zones > 1 ? "ziziphus" : GatewayRegions is not null ? "flat-pbft" : "serverlessbft";
}

public enum PointKind
{
    /// <summary>The full system through <c>edgeiot up</c>.</summary>
    System,
    /// <summary>A benchmark cluster (<see cref="ClusterSpec"/>), each node its own process.</summary>
    ClusterProcesses,
    /// <summary>A benchmark cluster inside the bench process, over real TCP links; with the crypto ceiling.</summary>
    ClusterInProcess,
}

/// <summary>One measured point of an experiment: a series (a line of the plot) at an x value.</summary>
public sealed record BenchPoint(string Series, double X, PointKind Kind)
{
    public SystemParams? System { get; init; }
    public ClusterSpec? Cluster { get; init; }

    /// <summary>The parameters as recorded in the result JSON.</summary>
    public Dictionary<string, object?> Params() => Kind == PointKind.System
        ? new()
        {
            ["system"] = System!.Design, ["devices"] = System.Devices, ["gateways"] = System.Gateways, ["executors"] = System.Executors,
            ["batch_size_max"] = System.BatchSizeMax, ["work_rounds"] = System.WorkRounds, ["conflict_percent"] = System.ConflictPercent,
            ["executor_delays_ms"] = System.ExecutorDelaysMs, ["regions"] = System.Regions, ["gateway_cores"] = System.GatewayCores,
            ["zones"] = System.Zones, ["global_percent"] = System.GlobalPercent, ["leader"] = System.Leader, ["gateway_regions"] = System.GatewayRegions,
            ["paper_placement"] = System.PaperPlacement, ["workload"] = System.Workload, ["presign"] = System.Presign,
            ["partial_batches_in_flight_max"] = System.PartialBatchesInFlightMax, ["rate_tps"] = System.RateTps,
        }
        : new()
        {
            ["system"] = Cluster!.Protocol.ToString().ToLowerInvariant(), ["execution"] = Cluster.Execution.ToString().ToLowerInvariant(),
            ["replicas"] = Cluster.Replicas, ["clients"] = Cluster.Clients, ["request_bytes"] = Cluster.RequestBytes,
            ["batch_size_max"] = Cluster.BatchSizeMax, ["in_process"] = Kind == PointKind.ClusterInProcess,
        };
}

/// <summary>
/// One experiment: the points of a full run and of a smoke run, and how to plot them (x against
/// throughput and latency side by side, one line per series, as the paper's figures).
/// </summary>
public sealed record Experiment(string Id, string Title, string PaperFigure, string XLabel, IReadOnlyList<BenchPoint> Full, IReadOnlyList<BenchPoint> Smoke)
{
    public bool LogX { get; init; }
    /// <summary>Seconds each point runs (warm-up included) in a full run and in a smoke run.</summary>
    public double FullSeconds { get; init; } = 30;
    public double FullWarmupSeconds { get; init; } = 5;
    public double SmokeSeconds { get; init; } = 4;
    public double SmokeWarmupSeconds { get; init; } = 1;

    public IReadOnlyList<BenchPoint> Points(bool smoke) => smoke ? Smoke : Full;
    /// <summary>A point that depends on the results of the others, run after them (Q1: the load at half of the peak they found).</summary>
    public FollowUpPoint? FollowUp { get; init; }
    /// <summary>Seconds a system point of this experiment spends starting and stopping its network, for estimates.</summary>
    public double SystemOverheadSeconds { get; init; } = 15;
    public double Seconds(bool smoke) => smoke ? SmokeSeconds : FullSeconds;
    public double WarmupSeconds(bool smoke) => smoke ? SmokeWarmupSeconds : FullWarmupSeconds;
}

/// <summary>
/// An experiment's extra point: <paramref name="Next"/> computes it from the results of the other points
/// (null when they give no basis for one); <paramref name="Description"/> says what it runs, for <c>bench --list</c>.
/// </summary>
public sealed record FollowUpPoint(string Description, Func<IReadOnlyList<RunResult>, BenchPoint?> Next);
