using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Crypto;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench;

/// <summary>
/// Runs the full system once for a benchmark point and returns <c>edgeiot up</c>'s JSON report, or
/// throws with the reason it failed. The CLI implements it (it owns the process launcher).
/// </summary>
public interface ISystemRunner
{
    Task<JsonObject> RunAsync(SystemParams parameters, double seconds, double warmupSeconds, string workDir, int basePort, CancellationToken ct);
}

public sealed record BenchOptions
{
    public bool Smoke { get; init; }
    public string ResultsDir { get; init; } = "results";
    /// <summary>Scratch folder for networks and node logs of the runs.</summary>
    public string WorkDir { get; init; } = "data/bench";
    public int BasePort { get; init; } = BenchRunner.DefaultBasePort;
    /// <summary>Overrides every point's seconds (warm-up kept at a fifth of it) when set.</summary>
    public double? Seconds { get; init; }
}

/// <summary>
/// Runs experiments point by point, one at a time (they share the machine), and writes every result
/// as it comes: a JSON per run, then per experiment its CSV, gnuplot script and PNG. A failed point is
/// recorded (ok = false, with the reason) and the rest still run.
/// </summary>
public sealed class BenchRunner(ISystemRunner system, NodeProgram node, Machine machine, TextWriter log)
{
    /// <summary>Closed-loop devices in a system run pre-sign this many transactions per second of run, shared among them.</summary>
    public const int PresignTpsBudget = 3_000;
    /// <summary>The least ports one point may use above its base; larger networks get ranges of <see cref="PortsNeeded"/>.</summary>
    private const int PortStrideMin = 200;
    private const int PortSlots = 10;
    /// <summary>Below Linux's ephemeral range (32768-60999), where outgoing connections would take our listening ports.</summary>
    public const int DefaultBasePort = 24000;

    public static double EstimateSeconds(IReadOnlyList<Experiment> experiments, BenchOptions options) =>
        experiments.Sum(e => e.Points(options.Smoke).Sum(p => (options.Seconds ?? e.Seconds(options.Smoke)) + (p.Kind == PointKind.System ? e.SystemOverheadSeconds : 3))
            + (e.FollowUp is null ? 0 : (options.Seconds ?? e.Seconds(options.Smoke)) + e.SystemOverheadSeconds));

    /// <summary>Ports a point uses from its base: the port plan of its network, or one per cluster node and the clients.</summary>
    public static int PortsNeeded(BenchPoint point) => point.Kind == PointKind.System
        ? new Provisioning.PortPlan(0).HighestPort(point.System!.Zones) + 1
        : point.Cluster!.Replicas + 1;

    /// <summary>One range per point, wide enough for the largest network selected, in whole hundreds.</summary>
    public static int PortStride(IReadOnlyList<Experiment> experiments, bool smoke) =>
        Math.Max(PortStrideMin, experiments.SelectMany(e => e.Points(smoke)).Select(PortsNeeded).DefaultIfEmpty(0).Max() + 99) / 100 * 100;

    /// <summary>Runs <paramref name="experiments"/>; returns every result (failed ones included).</summary>
    public async Task<IReadOnlyList<RunResult>> RunAsync(IReadOnlyList<Experiment> experiments, BenchOptions options, CancellationToken ct)
    {
        var files = new ResultFiles(options.ResultsDir);
        var all = new List<RunResult>();
        var ports = new FreePorts(options.BasePort, PortStride(experiments, options.Smoke), PortSlots);
        foreach (var experiment in experiments)
        {
            var runs = new List<RunResult>();
            var points = experiment.Points(options.Smoke);
            await log.WriteLineAsync($"== {experiment.Id}: {experiment.Title} ({experiment.PaperFigure}), {points.Count + (experiment.FollowUp is null ? 0 : 1)} point(s)");
            foreach (var point in FollowedUp(experiment, points, runs))
            {
                ct.ThrowIfCancellationRequested();
                var seconds = options.Seconds ?? experiment.Seconds(options.Smoke);
                var warmup = options.Seconds is { } s ? s / 5 : experiment.WarmupSeconds(options.Smoke);
                var basePort = ports.Next();
                var result = await RunPointAsync(experiment, point, seconds, warmup, basePort, options, ct);
                runs.Add(result);
                var path = files.WriteRun(experiment, result);
                await log.WriteLineAsync(result.Ok
                    ? string.Create(CultureInfo.InvariantCulture, $"   {point.Series} x={point.X}: {result.ThroughputTps:0.#} tx/s, p50 {result.LatencyMs.P50:0.##} ms, p99 {result.LatencyMs.P99:0.##} ms  ({path})")
                    : $"   {point.Series} x={point.X}: FAILED: {result.Error}");
            }
            var (_, script, png) = files.WriteTable(experiment, runs);
            var plotError = await GnuplotFigure.RenderAsync(script, ct);
            await log.WriteLineAsync(plotError is null ? $"   plot: {png}" : $"   plot: not drawn: {plotError}");
            all.AddRange(runs);
        }
        ResultFiles.WriteAtomically(Path.Combine(files.Root, "summary.csv"), "experiment," + ResultFiles.Csv([]).TrimEnd() + "\n" +
            string.Concat(experiments.SelectMany(e => ResultFiles.Csv(all.Where(r => r.Experiment == e.Id)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => $"{e.Id},{line}\n"))));
        return all;
    }

    /// <summary>The experiment's points, then its follow-up point computed from their results (if any).</summary>
    private static IEnumerable<BenchPoint> FollowedUp(Experiment experiment, IReadOnlyList<BenchPoint> points, List<RunResult> runs)
    {
        foreach (var point in points) yield return point;
        if (experiment.FollowUp?.Next(runs) is { } followUp) yield return followUp;
    }

    private async Task<RunResult> RunPointAsync(Experiment experiment, BenchPoint point, double seconds, double warmup, int basePort, BenchOptions options, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var failed = new RunResult
        {
            Experiment = experiment.Id, Series = point.Series, X = point.X, Params = point.Params(), Smoke = options.Smoke, Machine = machine, StartedAt = started,
            Ok = false, WarmupSeconds = warmup,
        };
        var workDir = Path.GetFullPath(Path.Combine(options.WorkDir, experiment.Id.ToLowerInvariant(), $"{point.Series}-{point.X.ToString("0.###", CultureInfo.InvariantCulture)}"));
        try
        {
            return point.Kind switch
            {
                PointKind.System => await RunSystemAsync(failed, point.System!, seconds, warmup, workDir, basePort, options.Smoke, ct),
                PointKind.ClusterProcesses => FromCluster(failed, await ClusterProcesses.RunAsync(point.Cluster! with { Seconds = seconds, WarmupSeconds = warmup, BasePort = basePort }, node, workDir, ct)),
                PointKind.ClusterInProcess => await RunInProcessAsync(failed, point.Cluster! with { Seconds = seconds, WarmupSeconds = warmup, BasePort = basePort }, options.Smoke, ct),
                _ => throw new InvalidOperationException($"unknown point kind {point.Kind}"),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return failed with { Error = e.Message };
        }
    }

    private static RunResult FromCluster(RunResult template, ClusterLoadResult load) => template with
    {
        Ok = load.Completed > 0,
        Error = load.Completed > 0 ? null : "no request completed",
        ThroughputTps = load.ThroughputTps,
        LatencyMs = new LatencyMs(load.Latency.P50, load.Latency.P90, load.Latency.P99),
        Committed = load.Completed,
        DurationSeconds = load.MeasuredSeconds,
        Extra = new() { ["requests_sent"] = load.Sent },
    };

    /// <summary>The ordering microbenchmark: the crypto ceiling first, then the cluster in this process.</summary>
    private static async Task<RunResult> RunInProcessAsync(RunResult template, ClusterSpec spec, bool smoke, CancellationToken ct)
    {
        var crypto = await Task.Run(() => CryptoCeiling.Measure(TimeSpan.FromSeconds(smoke ? 0.5 : 2)), ct);
        var load = await InProcessCluster.RunAsync(spec, ct);
        var result = FromCluster(template, load);
        result.Extra["crypto_ed25519_verifications_per_s_one_core"] = crypto.VerificationsPerSecondOneCore;
        result.Extra["crypto_ed25519_verifications_per_s_all_cores"] = crypto.VerificationsPerSecondAllCores;
        // CPU per request is what the protocol costs, whatever else the machine runs at the same time
        // (throughput on a shared machine is not): the cluster and its clients all run in this process.
        result.Extra["process_cpu_s"] = load.ProcessCpuSeconds;
        result.Extra["cpu_us_per_request"] = load.Completed > 0 ? Math.Round(load.ProcessCpuSeconds * 1e6 / load.Completed, 1) : null;
        result.Extra["bft_smart_reference_tps"] = OrderingExperiments.BftSmartRequestsPerSecond;
        result.Extra["ratio_vs_bft_smart"] = Math.Round(load.ThroughputTps / OrderingExperiments.BftSmartRequestsPerSecond, 2);
        result.Extra["transport"] = "in-process replicas and clients over real TCP peer links on loopback (MAC'd frames)";
        return result;
    }

    /// <summary>A system point's result from <c>edgeiot up</c>'s report: <paramref name="template"/> filled in.</summary>
    private CryptoCeilingResult? _crypto;

    /// <summary>
    /// A system point, and where it stands against the crypto ceiling (issue 6): the machine's Ed25519
    /// verifications per second, measured once per invocation before its first system point, over the
    /// verifications one committed transaction costs at the run's average batch (<see cref="SignatureWork"/>).
    /// </summary>
    private async Task<RunResult> RunSystemAsync(RunResult template, SystemParams p, double seconds, double warmup, string workDir, int basePort, bool smoke, CancellationToken ct)
    {
        _crypto ??= await Task.Run(() => CryptoCeiling.Measure(TimeSpan.FromSeconds(smoke ? 0.5 : 2)), ct);
        var report = await system.RunAsync(p, seconds, warmup, workDir, basePort, ct);
        return WithCryptoCeiling(FromSystemReport(template, report), p, report, _crypto);
    }

    /// <summary>Adds the crypto ceiling of a one-zone run (zones add global work the count does not cover).</summary>
    public static RunResult WithCryptoCeiling(RunResult result, SystemParams p, JsonObject report, CryptoCeilingResult crypto)
    {
        if (p.Zones != 1 || report["avg_batch_txs"] is not JsonValue value || !value.TryGetValue<double>(out var averageBatch) || averageBatch <= 0) return result;
        var perTransaction = SignatureWork.PerCommittedTransaction(p.Gateways, p.Executors, (p.Gateways - 1) / 3, averageBatch);
        var ceiling = crypto.VerificationsPerSecondAllCores / perTransaction;
        var extra = new Dictionary<string, object?>(result.Extra)
        {
            ["avg_batch_txs"] = averageBatch,
            ["ed25519_verifications_per_tx"] = Math.Round(perTransaction, 2),
            ["crypto_ed25519_verifications_per_s_all_cores"] = crypto.VerificationsPerSecondAllCores,
            ["crypto_ceiling_tps"] = Math.Round(ceiling, 1),
            ["share_of_crypto_ceiling"] = ceiling > 0 ? Math.Round(result.ThroughputTps / ceiling, 3) : null,
        };
        return result with { Extra = extra };
    }

    public static RunResult FromSystemReport(RunResult template, JsonObject report)
    {
        double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;
        var latency = report["latency_ms"];
        var outcome = report["outcome"]?.GetValue<string>();
        var committed = (long)Number(report["committed_measured"] ?? report["committed"]);
        var ok = outcome == "finished" && committed > 0;
        var extra = new Dictionary<string, object?>();
        foreach (var key in new[]
                 {
                     "outcome", "timeouts", "rejected", "retries", "presign_exhausted_devices", "gateway_rss_peak_mib", "gateway_ready_s_max", "executors",
                     "zones", "gateways_per_zone", "spawning", "migrations_committed", "migrations_committed_measured", "migrations_refused", "migrations_timed_out",
                 })
            if (report[key] is { } value) extra[key] = value.DeepClone();
        // The simulator's throughput and committed count local transactions; migrations (global
        // transactions) are counted apart. Like ziziphus §5, a run's throughput is both kinds.
        var measuredSeconds = Number(report["measured_s"] ?? report["duration_s"]);
        var localTps = Number(report["throughput_tps"]);
        var globalCommitted = (long)Number(report["migrations_committed_measured"]);
        extra["local_committed"] = committed;
        extra["local_tps"] = localTps;
        extra["global_tps"] = measuredSeconds > 0 ? Math.Round(globalCommitted / measuredSeconds, 2) : 0;
        return template with
        {
            Ok = ok,
            Error = ok ? null : $"the network run ended \"{outcome}\" with {committed} committed transactions",
            ThroughputTps = measuredSeconds > 0 ? Math.Round(localTps + globalCommitted / measuredSeconds, 1) : localTps,
            LatencyMs = new LatencyMs(Number(latency?["p50"]), Number(latency?["p90"]), Number(latency?["p99"])),
            Committed = committed + globalCommitted,
            Aborted = (long)Number(report["aborted_measured"] ?? report["aborted"]),
            DurationSeconds = Number(report["measured_s"] ?? report["duration_s"]),
            Extra = extra,
        };
    }

    /// <summary>Pre-signed transactions per device for a run: the budget's share (or the point's rate's, when lower), plus a margin.</summary>
    public static int PresignPerDevice(int devices, double seconds, int? rateTps = null) =>
        Math.Min(EdgeIoT.Bench.Experiments.SystemLimits.PresignPerDeviceMax, (int)Math.Ceiling(Math.Min(PresignTpsBudget, rateTps ?? PresignTpsBudget) * seconds / devices) + 16);
}
