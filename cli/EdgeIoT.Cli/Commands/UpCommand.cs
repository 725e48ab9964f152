using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Cli.Up;
using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Commands;

/// <summary>
/// <c>edgeiot up</c>: provisions a fresh network, runs it with the device simulator, shows progress once
/// a second and stops everything it started — when the simulator finishes, on Ctrl-C or SIGTERM, or
/// when any process dies unexpectedly.
/// </summary>
public sealed class UpCommand(TextWriter output, TextWriter error, Func<IHostCommands> hosts, LaunchOptions launchOptions, UpTuning? tuning = null)
{
    private static readonly HashSet<string> ValueOptions = ["dir", "seconds", "report", "devices", "workload", "zones", "gateways", "executors", "base-port", "seed", "conflict", "spawning", "global", "leader", "zone-delays", "regions", "rate"];
    private static readonly HashSet<string> Flags = ["declare-rw", "conflict-avoidance"];
    private static readonly string[] Workloads = ["kv", "ledger", "telemetry", "mixed"];
    private static readonly Dictionary<string, SpawningMode> SpawningModes = new()
    {
        ["out-of-order"] = SpawningMode.OutOfOrder,
        ["sequential"] = SpawningMode.Sequential,
        ["decentralized"] = SpawningMode.Decentralized,
    };
    /// <summary>How long past --seconds the simulator may take to stop and print its summary.</summary>
    private static readonly TimeSpan SimulatorOvertime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private const int SecondsMax = 7 * 24 * 3600;

    private enum Outcome { Finished, Interrupted, Failed }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken stop)
    {
        var options = CommandLine.Parse("up", args, ValueOptions, Flags);
        var dir = options.String("dir", ProvisionCommand.DefaultDir);
        int? seconds = options.Has("seconds") ? options.Int("seconds", 0, 1, SecondsMax) : null;
        var reportPath = options.String("report");
        var workload = options.Choice("workload", "kv", Workloads);
        var contention = Contention(options, workload);
        var spec = ProvisionCommand.Spec(options) with { Force = true };
        var globalPercent = options.Int("global", 0, 0, 100);
        int? rateTps = options.Has("rate") ? options.Int("rate", 0, 1, Devices.SendSchedule.RateTpsMax) : null;
        if (globalPercent > 0 && spec.Zones < 2) throw new UsageException("up: --global PCT migrates devices between zones; it needs --zones 2 or more");
        spec.Global.Leader = options.Choice("leader", "stable", ["stable", "election"]) == "stable" ? GlobalLeaderMode.StableLeader : GlobalLeaderMode.LeaderElection;
        spec = RegionOptions.Apply(spec, options.Has("regions") ? options.Int("regions", 1, 1, PortPlan.GatewaysPerZoneMax) : null, options.String("zone-delays"));
        spec.Protocol.Spawning = SpawningModes[contention.Spawning];
        spec.Protocol.ConflictAvoidance = contention.ConflictAvoidance;
        (spec, var changes) = ConflictProvisioning.Apply(spec, contention.ConflictPercent);
        if (tuning?.Spec is { } tuneSpec) spec = tuneSpec(spec);
        foreach (var change in changes) await output.WriteLineAsync($"note: {change}");
        var startedAt = DateTimeOffset.UtcNow;

        var layout = LocalNetworkProvisioner.Provision(spec, dir);
        var hostCommands = hosts();
        if (tuning?.Hosts is { } tuneHosts) hostCommands = tuneHosts(hostCommands);
        var network = new LocalNetwork(layout.Root, hostCommands, launchOptions);
        var exits = Channel.CreateUnbounded<ProcessExit>();
        network.ProcessExited += exit => exits.Writer.TryWrite(exit);
        await output.WriteLineAsync($"provisioned a fresh network in {layout.Root} (logs in {layout.LogsDir})");

        var outcome = Outcome.Failed;
        var tracker = new StatsTracker();
        var devicesClock = new Stopwatch();
        var started = false;
        GatewayFacts? gatewayFacts = null;
        try
        {
            network.CheckCanStart(network.ProcessIds);
            var registry = network.Registry;
            await output.WriteLineAsync($"starting broker, verifier, {registry.Executors.Members.Count} executors, {registry.Zones.Sum(z => z.Gateways.Count)} gateways…");
            var startClock = Stopwatch.StartNew();
            started = true;
            await network.StartAllAsync(stop);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"network up in {startClock.Elapsed.TotalSeconds:0.0} s ({ProgressLine.Health(network.Health())}); starting {spec.Devices} devices, workload {workload}, {(seconds is { } s ? $"for {s} s" : "until Ctrl-C")}"));
            List<string> simulatorArgs = ["--workload", workload, "--devices", spec.Devices.ToString(CultureInfo.InvariantCulture)];
            if (contention.ConflictPercent > 0) simulatorArgs.AddRange(["--conflict", contention.ConflictPercent.ToString(CultureInfo.InvariantCulture)]);
            if (contention.DeclaredReadWriteSets) simulatorArgs.Add("--declare-rw");
            if (globalPercent > 0) simulatorArgs.AddRange(["--global", globalPercent.ToString(CultureInfo.InvariantCulture)]);
            if (seconds is { } runSeconds) simulatorArgs.AddRange(["--seconds", runSeconds.ToString(CultureInfo.InvariantCulture)]);
            if (rateTps is { } rate) simulatorArgs.AddRange(["--rate", rate.ToString(CultureInfo.InvariantCulture)]);
            if (tuning is not null) simulatorArgs.AddRange(tuning.SimulatorArguments);
            devicesClock.Start();
            await network.StartDevicesAsync(simulatorArgs, stop);
            outcome = await MonitorAsync(network, exits.Reader, tracker, devicesClock, seconds, stop);
            gatewayFacts = GatewayFacts.Measure(network);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            outcome = Outcome.Interrupted;
        }
        catch (LaunchException e)
        {
            await error.WriteLineAsync($"edgeiot up: {e.Message}");
        }
        finally
        {
            if (started) await StopAsync(network);
        }
        devicesClock.Stop();
        var batchFacts = started ? BatchFacts.Read(Path.Combine(layout.State(NetworkLayout.VerifierId), "verifier.db")) : null;

        var devicesRan = devicesClock.ElapsedTicks > 0;
        var facts = new RunFacts(outcome.ToString().ToLowerInvariant(), spec.Devices, workload, spec.Zones, spec.GatewaysPerZone, spec.Executors, startedAt, devicesClock.Elapsed.TotalSeconds)
        {
            Contention = contention,
            Gateways = gatewayFacts,
            Batches = batchFacts,
            RateTps = rateTps,
        };
        if (devicesRan) await output.WriteAsync(FinalSummary(tracker, facts));
        if (reportPath is not null)
        {
            RunReport.Write(reportPath, RunReport.Build(tracker.Final, facts, MachineInfo.Current()));
            await output.WriteLineAsync($"report written to {reportPath}");
        }
        return outcome == Outcome.Failed ? CliApp.ExitFailure : CliApp.ExitSuccess;
    }

    /// <summary>The contention options: conflicts and declared sets shape the kv transactions, the rest the invokers.</summary>
    private static ContentionFacts Contention(CommandLine options, string workload)
    {
        var conflict = options.Int("conflict", 0, 0, Devices.WorkloadOptions.ConflictPercentMax);
        var declared = options.Has("declare-rw");
        if ((conflict > 0 || declared) && workload is not ("kv" or "mixed"))
            throw new UsageException($"up: --conflict and --declare-rw shape kv transactions; the {workload} workload has none");
        var spawning = options.Choice("spawning", "out-of-order", SpawningModes.Keys.ToList());
        return new ContentionFacts(conflict, declared, spawning, options.Has("conflict-avoidance"));
    }

    private async Task<Outcome> MonitorAsync(LocalNetwork network, ChannelReader<ProcessExit> exits, StatsTracker tracker, Stopwatch devicesClock, int? seconds, CancellationToken stop)
    {
        var overtime = seconds is { } s ? TimeSpan.FromSeconds(s) + SimulatorOvertime : (TimeSpan?)null;
        using var timer = new PeriodicTimer(ProgressInterval);
        while (true)
        {
            try
            {
                await timer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                await StopSimulatorAsync(network, tracker);
                return Outcome.Interrupted;
            }
            Drain(network, tracker);
            while (exits.TryRead(out var exit))
            {
                if (exit.Id == NetworkLayout.DeviceSimId && exit.ExitCode == 0)
                {
                    // Its last lines were queued before its exit was reported.
                    Drain(network, tracker);
                    return Outcome.Finished;
                }
                if (exit.Expected) continue;
                await error.WriteLineAsync($"edgeiot up: {network.DescribeFailure(exit)}");
                await StopSimulatorAsync(network, tracker);
                return Outcome.Failed;
            }
            await output.WriteLineAsync(ProgressLine.Render(tracker.Latest, tracker.Previous, network.Health(), devicesClock.Elapsed));
            if (overtime is { } limit && devicesClock.Elapsed > limit)
            {
                await error.WriteLineAsync($"edgeiot up: the device simulator was asked to run {seconds} s but is still running after {limit.TotalSeconds:0} s; stopping it");
                await StopSimulatorAsync(network, tracker);
                return Outcome.Failed;
            }
        }
    }

    private static void Drain(LocalNetwork network, StatsTracker tracker)
    {
        while (network.DeviceSimMessages.TryRead(out var line)) tracker.Observe(line);
    }

    /// <summary>SIGTERM first to the simulator alone, so it can print its summary while the network still runs.</summary>
    private async Task StopSimulatorAsync(LocalNetwork network, StatsTracker tracker)
    {
        if (network.Pid(NetworkLayout.DeviceSimId) is null) return;
        network.Kill(NetworkLayout.DeviceSimId, Signal.Term);
        try
        {
            await network.WaitForExitAsync(NetworkLayout.DeviceSimId, launchOptions.StopGrace);
        }
        catch (LaunchException e)
        {
            await error.WriteLineAsync($"edgeiot up: {e.Message}");
        }
        Drain(network, tracker);
    }

    private async Task StopAsync(LocalNetwork network)
    {
        await output.WriteLineAsync("stopping the network…");
        try
        {
            await network.StopAllAsync();
        }
        catch (LaunchException e)
        {
            await error.WriteLineAsync($"edgeiot up: {e.Message}");
        }
        network.CloseStandardInputs();
    }

    private static string FinalSummary(StatsTracker tracker, RunFacts facts)
    {
        var final = tracker.Final;
        var invariant = CultureInfo.InvariantCulture;
        var source = tracker.Summary is not null ? "the simulator's summary" : final is not null ? "the simulator's last stats; it printed no summary" : "no statistics: the simulator printed none";
        var text = $"\nsummary ({facts.Outcome}; {source})\n";
        if (final is null) return text;
        var duration = final.DurationSeconds ?? final.ElapsedSeconds ?? facts.DevicesRunSeconds;
        var throughput = final.ThroughputTps ?? (duration > 0 ? final.Committed / duration : 0);
        return text + string.Create(invariant, $"""
              {duration:0.0} s, {facts.Devices:N0} devices, workload {facts.Workload}
              committed {final.Committed:N0} ({throughput:N0}/s)  aborted {final.Aborted:N0}  rejected {final.Rejected:N0}  responses verified {final.ResponsesVerified:N0}  timeouts {final.Timeouts:N0}
              latency p50 {ProgressLine.Ms(final.P50Ms)}  p90 {ProgressLine.Ms(final.P90Ms)}  p99 {ProgressLine.Ms(final.P99Ms)}

            """);
    }
}
