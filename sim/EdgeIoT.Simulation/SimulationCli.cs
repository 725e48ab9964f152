using System.Diagnostics;
using System.Globalization;
using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation;

/// <summary>
/// The simulator's command line, for <c>./edgeiot sim</c>. Exit codes: 0 all runs passed (or, with
/// --unsafe, the injected bug was caught), 1 a violation (or, with --unsafe, the bug went unnoticed),
/// 2 usage errors.
/// </summary>
public static class SimulationCli
{
    public const string Usage = """
        usage: edgeiot sim [options]
          --list                        list the scenarios and what each shows
          --seeds N [--first-seed S]    run every scenario (or --scenario NAME) over seeds S..S+N-1 (S = 1)
          --seed X --scenario NAME      replay one run exactly and print its trace summary
          --unsafe commit-quorum|verifier-quorum|global-quorum|accept-below-promise|skip-lock|checkpoint-unchecked
                                        turn a quorum check off; the run(s) must report a violation
                                        (with --seeds: its exposing scenario unless --scenario is given)
          --soak MINUTES                run random scenarios on random seeds until the time is up
          --force-liveness              check the liveness phase even in safety-only scenarios
                                        (reproduces the gap they name, or confirms its fix)
          --tail N                      trace entries printed for a replay, passing or failing (default 40)
        """;

    public static int Run(string[] args, TextWriter output)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            output.WriteLine(Usage);
            return 0;
        }
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (UsageException e)
        {
            output.WriteLine($"edgeiot sim: {e.Message}");
            output.WriteLine(Usage);
            return 2;
        }
        if (options.List) return List(output);
        if (options.Seed is { } seed) return Replay(options, seed, output);
        if (options.SoakMinutes is { } minutes) return Soak(options, minutes, output);
        return Seeds(options, options.Seeds ?? (options.Unsafe == UnsafeMode.None ? 10 : 20), output);
    }

    private static int List(TextWriter output)
    {
        foreach (var scenario in ScenarioCatalog.All)
        {
            output.WriteLine($"{scenario.Name,-22} {scenario.Description}");
            if (scenario.PendingReason is { } pending) output.WriteLine($"{"",-22} (PENDING: {pending})");
            else if (!scenario.ChecksLiveness) output.WriteLine($"{"",-22} ({scenario.LivenessSkipReason})");
        }
        var unsafeModes = Enum.GetValues<UnsafeMode>().Where(m => m != UnsafeMode.None).Select(m => $"{m.Name()} (exposed by {m.ExposingScenario()})");
        output.WriteLine($"unsafe modes: {string.Join(", ", unsafeModes)}");
        return 0;
    }

    private static int Replay(Options options, ulong seed, TextWriter output)
    {
        if (options.Scenario is null) throw new InvalidOperationException("parser guarantees --scenario with --seed");
        if (options.Scenario.PendingReason is { } pending) output.WriteLine($"note: {options.Scenario.Name} is pending ({pending}); running it anyway");
        var simulation = new SimulationOptions { Unsafe = options.Unsafe, ForceLiveness = options.ForceLiveness, TraceTailCapacity = Math.Max(64, options.Tail), FailureTail = options.Tail };
        try
        {
            var result = Simulation.Run(options.Scenario, seed, simulation);
            output.WriteLine($"scenario {result.Scenario} seed {seed}: passed");
            output.WriteLine($"  trace: {result.TraceEvents} events, hash {result.TraceHash}");
            output.WriteLine($"  {Describe(result)}");
            output.WriteLine(result.LivenessChecked
                ? $"  liveness: {result.LivenessAnswers} requests answered after the heal, slowest {result.LivenessMaxLatencyMs} ms"
                : $"  {result.LivenessSkipReason}");
            output.WriteLine("  counters:");
            foreach (var line in result.Counters) output.WriteLine($"    {line}");
            output.WriteLine("  last events:");
            foreach (var line in result.TraceTail) output.WriteLine($"    {line}");
            if (options.Unsafe != UnsafeMode.None)
            {
                output.WriteLine($"unsafe {options.Unsafe.Name()}: this run found no violation");
                return 1;
            }
            return 0;
        }
        catch (SimulationFailure failure)
        {
            output.WriteLine(failure.Message);
            output.WriteLine("counters at the failure:");
            foreach (var line in failure.Counters) output.WriteLine($"  {line}");
            return options.Unsafe != UnsafeMode.None && failure.Checker != "crash" ? 0 : 1;
        }
    }

    private static int Seeds(Options options, int count, TextWriter output)
    {
        var scenarios = options.Scenario is { } one ? [one]
            : options.Unsafe != UnsafeMode.None ? [ScenarioCatalog.Get(options.Unsafe.ExposingScenario())]
            : ScenarioCatalog.Runnable;
        var simulation = new SimulationOptions { Unsafe = options.Unsafe, ForceLiveness = options.ForceLiveness };
        var failures = new List<string>();
        // Keep going after a failure: one sweep prints every failing seed with its replay command.
        foreach (var scenario in scenarios)
        {
            if (scenario.PendingReason is { } pending)
            {
                output.WriteLine($"{scenario.Name,-22} pending: {pending}");
                continue;
            }
            var summary = new Summary(scenario, options.ForceLiveness);
            for (var i = 0; i < count; i++)
            {
                var seed = options.FirstSeed + (ulong)i;
                var outcome = RunOne(scenario, seed, simulation, summary, output);
                if (outcome == RunOutcome.Passed) continue;
                if (options.Unsafe != UnsafeMode.None && outcome == RunOutcome.Violation)
                {
                    output.WriteLine(summary.Line());
                    output.WriteLine($"unsafe {options.Unsafe.Name()} caught at seed {seed} (run {i + 1} of at most {count})");
                    return 0;
                }
                failures.Add(Simulation.ReplayCommand(scenario.Name, seed, options.Unsafe));
            }
            output.WriteLine(summary.Line());
        }
        if (options.Unsafe != UnsafeMode.None)
        {
            output.WriteLine($"unsafe {options.Unsafe.Name()} NOT caught in {count} seeds: the checkers may be vacuous");
            return 1;
        }
        if (failures.Count == 0) return 0;
        output.WriteLine($"{failures.Count} run(s) FAILED; replay with:");
        foreach (var replay in failures) output.WriteLine($"  {replay}");
        return 1;
    }

    private static int Soak(Options options, double minutes, TextWriter output)
    {
        var until = Stopwatch.StartNew();
        var limit = TimeSpan.FromMinutes(minutes);
        var scenarios = options.Scenario is { } one ? [one] : ScenarioCatalog.Runnable;
        var summaries = scenarios.ToDictionary(s => s.Name, s => new Summary(s, options.ForceLiveness));
        // Seeds are chosen at random, but every run prints enough to be replayed exactly.
        var random = new Random();
        var simulation = new SimulationOptions { Unsafe = options.Unsafe, ForceLiveness = options.ForceLiveness };
        var failures = 0;
        while (until.Elapsed < limit)
        {
            var scenario = scenarios[random.Next(scenarios.Count)];
            var seed = (ulong)random.NextInt64(1, long.MaxValue);
            if (RunOne(scenario, seed, simulation, summaries[scenario.Name], output) != RunOutcome.Passed) failures++;
        }
        foreach (var summary in summaries.Values.Where(s => s.Runs > 0)) output.WriteLine(summary.Line());
        output.WriteLine($"soak: {summaries.Values.Sum(s => s.Runs)} runs in {until.Elapsed.TotalMinutes:0.0} min, {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private enum RunOutcome { Passed, Violation, Crash }

    private static RunOutcome RunOne(Scenario scenario, ulong seed, SimulationOptions simulation, Summary summary, TextWriter output)
    {
        try
        {
            summary.Add(Simulation.Run(scenario, seed, simulation));
            return RunOutcome.Passed;
        }
        catch (SimulationFailure failure)
        {
            summary.Failures++;
            output.WriteLine($"FAILED {failure.Message}");
            return failure.Checker == "crash" ? RunOutcome.Crash : RunOutcome.Violation;
        }
    }

    private static string Describe(SimulationResult r) =>
        $"{r.DecidedBatches} batches decided, {r.Committed} committed / {r.Aborted} aborted / {r.Rejected} rejected txs, " +
        $"{r.DeviceAnswers}/{r.DeviceRequests} device requests answered, {r.MessagesSent} messages ({r.MessagesDropped} dropped), " +
        $"{r.SimulatedMs / 1000.0:0.0} s simulated, {r.WallMs:0} ms wall";

    private sealed class Summary(Scenario scenario, bool livenessForced = false)
    {
        public int Runs, Failures;
        private long _batches, _committed, _aborted, _rejected, _messages, _simulatedMs;
        private double _wallMs;

        public void Add(SimulationResult r)
        {
            Runs++;
            _batches += r.DecidedBatches;
            _committed += r.Committed;
            _aborted += r.Aborted;
            _rejected += r.Rejected;
            _messages += r.MessagesSent;
            _simulatedMs += r.SimulatedMs;
            _wallMs += r.WallMs;
        }

        public string Line() =>
            $"{scenario.Name,-22} {Runs,4} runs{(Failures > 0 ? $" {Failures} FAILED" : "")}  {_batches,7} batches  {_committed,7} committed  {_aborted,5} aborted  {_rejected,6} rejected  " +
            $"{_messages,9} msgs  {_simulatedMs / 1000.0,7:0.0} s sim  {_wallMs,8:0} ms wall" + (scenario.ChecksLiveness || livenessForced ? "" : "  [safety only]");
    }

    private sealed class UsageException(string message) : Exception(message);

    private sealed class Options
    {
        public bool List;
        public int? Seeds;
        public ulong FirstSeed = 1;
        public ulong? Seed;
        public Scenario? Scenario;
        public UnsafeMode Unsafe;
        public double? SoakMinutes;
        public int Tail = 40;
        public bool ForceLiveness;

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--list": options.List = true; break;
                    case "--seeds": options.Seeds = ParseInt(Value(), "--seeds", 1, 1_000_000); break;
                    case "--first-seed": options.FirstSeed = ParseSeed(Value()); break;
                    case "--seed": options.Seed = ParseSeed(Value()); break;
                    case "--scenario":
                        var name = Value();
                        options.Scenario = ScenarioCatalog.TryGet(name, out var scenario) ? scenario
                            : throw new UsageException($"unknown scenario \"{name}\" (see --list)");
                        break;
                    case "--unsafe":
                        var mode = Value();
                        if (!UnsafeModes.TryParse(mode, out options.Unsafe)) throw new UsageException($"unknown unsafe mode \"{mode}\" (commit-quorum, verifier-quorum, global-quorum, accept-below-promise)");
                        break;
                    case "--soak":
                        options.SoakMinutes = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes is > 0 and <= 7 * 24 * 60
                            ? minutes : throw new UsageException("--soak takes minutes (0 < m <= 10080)");
                        break;
                    case "--force-liveness": options.ForceLiveness = true; break;
                    case "--tail": options.Tail = ParseInt(Value(), "--tail", 1, 1_000_000); break;
                    default: throw new UsageException($"unknown argument \"{args[i]}\"");
                }
            }
            if (options.Seed is not null && options.Scenario is null) throw new UsageException("--seed needs --scenario");
            if (options.Seed is not null && (options.Seeds is not null || options.SoakMinutes is not null)) throw new UsageException("--seed replays one run; it does not combine with --seeds or --soak");
            if (options.Seeds is not null && options.SoakMinutes is not null) throw new UsageException("choose --seeds or --soak");
            return options;
        }

        private static int ParseInt(string text, string name, int min, int max) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value : throw new UsageException($"{name} takes an integer within {min}..{max}");

        private static ulong ParseSeed(string text) =>
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new UsageException($"\"{text}\" is not a seed (a non-negative integer)");
    }
}
