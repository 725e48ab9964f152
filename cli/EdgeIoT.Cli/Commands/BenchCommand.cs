using System.Globalization;
using EdgeIoT.Bench;
using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;
using EdgeIoT.Cli.Bench;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Cli.Up;

namespace EdgeIoT.Cli.Commands;

/// <summary>
/// <c>edgeiot bench</c>: runs the papers' experiments on this machine (docs/performance.md, "Benchmarks
/// (issue 6)") and writes results/: one JSON per run, per experiment a CSV and a PNG.
/// </summary>
public sealed class BenchCommand(TextWriter output, TextWriter error, Func<IHostCommands> hosts, LaunchOptions launchOptions)
{
    private static readonly HashSet<string> ValueOptions = ["only", "results", "work-dir", "base-port", "seconds"];
    private static readonly HashSet<string> Flags = ["smoke", "list"];

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken stop)
    {
        var options = CommandLine.Parse("bench", args, ValueOptions, Flags);
        IReadOnlyList<Experiment> experiments;
        try { experiments = ExperimentCatalog.Select(options.String("only")); }
        catch (ArgumentException e) { throw new UsageException($"bench: {e.Message}"); }
        var benchOptions = new BenchOptions
        {
            Smoke = options.Has("smoke"),
            ResultsDir = options.String("results", "results"),
            WorkDir = options.String("work-dir", "data/bench"),
            BasePort = options.Int("base-port", BenchRunner.DefaultBasePort, 1024, 63000),
            Seconds = options.Has("seconds") ? options.Int("seconds", 0, 3, 3600) : null,
        };
        if (options.Has("list"))
        {
            foreach (var e in ExperimentCatalog.All)
                await output.WriteLineAsync($"{e.Id,-9} {e.Title} ({e.PaperFigure}): {e.Full.Count} point(s), smoke {e.Smoke.Count}" +
                    (e.FollowUp is null ? "" : $"; after them, in both: {e.FollowUp.Description}"));
            await output.WriteLineAsync($"zone experiments (Ziziphus §5): {string.Join(", ", ExperimentCatalog.ZoneExperiments.Select(e => e.Id))}");
            return CliApp.ExitSuccess;
        }
        var binaries = hosts();
        var node = NodeProgramFor(binaries);
        var machine = MachineInfo.Current();
        var estimate = BenchRunner.EstimateSeconds(experiments, benchOptions);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"edgeiot bench{(benchOptions.Smoke ? " --smoke" : "")}: {string.Join(", ", experiments.Select(e => e.Id))} on {machine.Cores} cores ({machine.CpuModel}); about {estimate / 60:0} min; results in {Path.GetFullPath(benchOptions.ResultsDir)}"));
        var runner = new BenchRunner(new SystemRunner(() => binaries, launchOptions), node, new Machine(machine.Cores, machine.CpuModel), output);
        IReadOnlyList<RunResult> results;
        try
        {
            results = await runner.RunAsync(experiments, benchOptions, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await error.WriteLineAsync("edgeiot bench: interrupted; results so far are in " + Path.GetFullPath(benchOptions.ResultsDir));
            return CliApp.ExitFailure;
        }
        var failed = results.Where(r => !r.Ok).ToList();
        foreach (var f in failed) await error.WriteLineAsync($"edgeiot bench: {f.Experiment} {f.Series} x={f.X} failed: {f.Error}");
        await output.WriteLineAsync($"{results.Count - failed.Count} of {results.Count} runs succeeded; summary in {Path.Combine(Path.GetFullPath(benchOptions.ResultsDir), "summary.csv")}");
        return failed.Count == 0 ? CliApp.ExitSuccess : CliApp.ExitFailure;
    }

    /// <summary>The benchmark node program beside the other hosts (artifacts/bin/EdgeIoT.Bench.Node).</summary>
    private static NodeProgram NodeProgramFor(IHostCommands hosts)
    {
        if (hosts is not HostBinaries binaries) throw new LaunchException("edgeiot bench runs the built hosts of this repository only");
        var dll = Path.Combine(binaries.RepoRoot, "artifacts", "bin", "EdgeIoT.Bench.Node", binaries.Configuration, "EdgeIoT.Bench.Node.dll");
        if (!File.Exists(dll)) throw new LaunchException($"the benchmark node is not built: {dll} does not exist (./edgeiot builds it)");
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return new NodeProgram(dotnet, [dll]);
    }
}
