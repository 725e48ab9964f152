using System.Globalization;
using System.Text.Json.Nodes;
using EdgeIoT.Bench;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Cli.Commands;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Cli.Up;

namespace EdgeIoT.Cli.Bench;

/// <summary>
/// A system benchmark point is an <c>edgeiot up</c> run: a fresh network in the point's folder, the kv
/// workload, pre-signed devices with a warm-up, and the point's knobs applied through <see cref="UpTuning"/>.
/// Its output goes to the point's folder (up.log); the report is what the bench records.
/// </summary>
public sealed class SystemRunner(Func<IHostCommands> hosts, LaunchOptions launchOptions) : ISystemRunner
{
    public async Task<JsonObject> RunAsync(SystemParams p, double seconds, double warmupSeconds, string workDir, int basePort, CancellationToken ct)
    {
        Directory.CreateDirectory(workDir);
        var reportPath = Path.Combine(workDir, "report.json");
        if (File.Exists(reportPath)) File.Delete(reportPath);
        var args = UpArguments(p, seconds, workDir, reportPath, basePort);
        var tuning = new UpTuning
        {
            Spec = spec => TuneSpec(spec, p),
            Hosts = inner => new BenchHostCommands(inner, p.ExecutorDelaysMs, p.GatewayCores),
            SimulatorArguments = SimulatorArguments(p, seconds, warmupSeconds),
        };
        await using var log = new StreamWriter(Path.Combine(workDir, "up.log"));
        var code = await new UpCommand(log, log, hosts, launchOptions, tuning).RunAsync(args, ct);
        await log.FlushAsync(ct);
        if (!File.Exists(reportPath)) throw new InvalidOperationException($"edgeiot up exited with {code} and wrote no report; see {Path.Combine(workDir, "up.log")}");
        return JsonNode.Parse(await File.ReadAllTextAsync(reportPath, ct))!.AsObject();
    }

    private static string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>edgeiot up</c> command line of a point: network shape, workload, zones and their placement.</summary>
    public static List<string> UpArguments(SystemParams p, double seconds, string workDir, string reportPath, int basePort)
    {
        List<string> args =
        [
            "--dir", Path.Combine(workDir, "net"), "--seconds", Inv(Math.Ceiling(seconds)), "--report", reportPath, "--workload", p.Workload,
            "--devices", Inv(p.Devices), "--gateways", Inv(p.Gateways), "--executors", Inv(p.Executors), "--base-port", Inv(basePort),
            "--zones", Inv(p.Zones),
        ];
        if (p.RateTps is { } rate) args.AddRange(["--rate", Inv(rate)]);
        if (p.ConflictPercent > 0) args.AddRange(["--conflict", Inv(p.ConflictPercent)]);
        if (p.Zones > 1) args.AddRange(["--global", Inv(p.GlobalPercent), "--leader", p.Leader]);
        if (p.GatewayRegions is { } regions) args.AddRange(["--regions", Inv(regions)]);
        if (p.PaperPlacement) args.AddRange(["--zone-delays", RegionOptions.Paper]);
        return args;
    }

    /// <summary>What the device simulator gets beyond <c>up</c>'s own arguments: pre-signing, warm-up, synthetic work.</summary>
    public static List<string> SimulatorArguments(SystemParams p, double seconds, double warmupSeconds) =>
    [
        .. p.Presign ? new[] { "--presign", Inv(BenchRunner.PresignPerDevice(p.Devices, seconds, p.RateTps)) } : [],
        "--warmup-seconds", Inv(warmupSeconds),
        .. p.WorkRounds > 0 ? new[] { "--work-rounds", Inv(p.WorkRounds) } : [],
    ];

    /// <summary>The point's network over what <c>up</c> provisions from its arguments.</summary>
    public static Provisioning.LocalNetworkSpec TuneSpec(Provisioning.LocalNetworkSpec spec, SystemParams p)
    {
        // Ziziphus §5 has no migration policy: a device that migrates half its transactions would otherwise
        // run into the product's default of 10 an hour within seconds, and the figure would measure the
        // policy. A period of 1 ms keeps the policy's per-device state empty.
        if (p.Zones > 1) spec.Global.MigrationPeriodMs = 1;
        return spec with
        {
            // Without conflicts n_E = 2 f_E + 1; with them `up` has already raised n_E to 3 f_E + 1.
            FaultyExecutors = p.ConflictPercent > 0 ? spec.FaultyExecutors : Math.Max(0, (spec.Executors - 1) / 2),
            Protocol = WithBatching(spec.Protocol, p),
        };
    }

    /// <summary>The point's batching knobs over the network's protocol settings.</summary>
    public static Core.Config.ProtocolSettings WithBatching(Core.Config.ProtocolSettings settings, SystemParams p)
    {
        settings.BatchSizeMax = p.BatchSizeMax;
        settings.PendingRequestsMax = Math.Max(settings.PendingRequestsMax, p.BatchSizeMax);
        if (p.PartialBatchesInFlightMax is { } partial) settings.PartialBatchesInFlightMax = partial;
        return settings;
    }
}

/// <summary>
/// The bench's changes to how hosts start: each executor gets its region's emulated one-way delay
/// (<c>--emulated-delay-ms</c>), and gateways run under <c>taskset</c> on the first N cores.
/// </summary>
public sealed class BenchHostCommands(IHostCommands inner, IReadOnlyList<int>? executorDelaysMs, int? gatewayCores) : IHostCommands
{
    public const string TasksetPath = "/usr/bin/taskset";

    public HostCommand For(string role, string id, string configPath, IReadOnlyList<string> extraArguments)
    {
        if (role == "executor" && executorDelaysMs is not null)
        {
            // Provisioned executors are e0, e1, …: the number is the index into the delays.
            if (!int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= executorDelaysMs.Count) throw new LaunchException($"no emulated delay for executor {id}: {executorDelaysMs.Count} delays given");
            extraArguments = [.. extraArguments, "--emulated-delay-ms", executorDelaysMs[index].ToString(CultureInfo.InvariantCulture)];
        }
        var command = inner.For(role, id, configPath, extraArguments);
        if (role != "gateway" || gatewayCores is not { } cores) return command;
        if (!File.Exists(TasksetPath)) throw new LaunchException($"{TasksetPath} is missing (Debian package util-linux): cannot pin gateways to {cores} core(s)");
        if (cores < 1 || cores > Environment.ProcessorCount) throw new LaunchException($"cannot pin gateways to {cores} cores on a {Environment.ProcessorCount}-core machine");
        return new HostCommand(TasksetPath, ["-c", cores == 1 ? "0" : $"0-{cores - 1}", command.FileName, .. command.Arguments]) { Environment = command.Environment };
    }
}
