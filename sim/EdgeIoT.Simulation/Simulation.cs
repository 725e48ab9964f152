using System.Diagnostics;
using EdgeIoT.Simulation.Checkers;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation;

/// <summary>
/// Runs one scenario with one seed, deterministically: the same (scenario, seed, options) gives the
/// same event sequence and the same trace hash, in any process. A broken invariant — or any exception
/// out of a core or the simulator — ends the run with a <see cref="SimulationFailure"/> that names the
/// seed, the scenario, the last events and the command to replay it.
/// </summary>
public static class Simulation
{
    public static SimulationResult Run(Scenario scenario, ulong seed, SimulationOptions? options = null)
    {
        options ??= new SimulationOptions();
        var wall = Stopwatch.StartNew();
        if (scenario is Global.GlobalScenario global)
        {
            // A multi-zone scenario: its own world of global coordinators (sim/EdgeIoT.Simulation/Global).
            using var globalWorld = new Global.GlobalWorld(global, seed, options);
            return Guarded(globalWorld.Run, (checker, detail, inner) => new SimulationFailure(globalWorld, checker, detail, inner),
                () => SimulationResult.From(globalWorld, wall.Elapsed.TotalMilliseconds));
        }
        using var world = new World(scenario, seed, options);
        return Guarded(world.Run, (checker, detail, inner) => new SimulationFailure(world, checker, detail, inner),
            () => SimulationResult.From(world, wall.Elapsed.TotalMilliseconds));
    }

    /// <summary>Runs a world; a broken invariant or any exception out of a core becomes a <see cref="SimulationFailure"/>.</summary>
    private static SimulationResult Guarded(Action run, Func<string, string, Exception, SimulationFailure> failure, Func<SimulationResult> result)
    {
        try
        {
            run();
        }
        catch (InvariantViolation violation)
        {
            throw failure(violation.Checker, violation.Message, violation);
        }
        catch (Exception e) when (e is not SimulationFailure)
        {
            throw failure("crash", $"{e.GetType().Name}: {e.Message}", e);
        }
        return result();
    }

    public static SimulationResult Run(string scenario, ulong seed, SimulationOptions? options = null) =>
        Run(ScenarioCatalog.Get(scenario), seed, options);

    public static string ReplayCommand(string scenario, ulong seed, UnsafeMode mode) =>
        $"./edgeiot sim --seed {seed} --scenario {scenario}" + (mode == UnsafeMode.None ? "" : $" --unsafe {mode.Name()}");

    internal static IReadOnlyList<string> FormatTail(World world, int count) =>
        world.Trace.Tail(count).Select(e => Format(world.Describe, e)).ToList();

    internal static IReadOnlyList<string> FormatTail(Global.GlobalWorld world, int count) =>
        world.Trace.Tail(count).Select(e => Format(world.Describe, e)).ToList();

    private static string Format(Func<Network.NodeId, string> describe, TraceEntry e)
    {
        string Who(Network.NodeId id) => describe(id);
        return e.Kind switch
        {
            TraceKind.Deliver => $"{e.TimeMs,7} ms  deliver #{e.A} {e.Message} {Who(e.From)} -> {Who(e.To)}",
            TraceKind.Drop => $"{e.TimeMs,7} ms  drop    #{e.A} {e.Message} {Who(e.From)} -> {Who(e.To)} ({e.Text})",
            TraceKind.Commit => $"{e.TimeMs,7} ms  commit  {Who(e.From)} k={e.A} ({e.B} txs)",
            TraceKind.Decide => $"{e.TimeMs,7} ms  decide  {e.Text} k={e.A} ({e.B} txs)",
            TraceKind.Submit => $"{e.TimeMs,7} ms  submit  {Who(e.From)} ts={e.A} {e.Text}",
            TraceKind.Complete => $"{e.TimeMs,7} ms  answer  {Who(e.From)} ts={e.A} {e.Text} k={e.B}",
            TraceKind.Fault => $"{e.TimeMs,7} ms  fault   {e.Text}",
            TraceKind.Notice => $"{e.TimeMs,7} ms  notice  {e.Text}",
            TraceKind.View => $"{e.TimeMs,7} ms  view    {Who(e.From)} v={e.A} {e.Text}",
            _ => $"{e.TimeMs,7} ms  phase   {e.Text}",
        };
    }
}

/// <summary>A run broke an invariant or crashed. Everything needed to replay it is in the message.</summary>
public sealed class SimulationFailure : Exception
{
    internal SimulationFailure(World world, string checker, string detail, Exception inner)
        : base(Compose(world, checker, detail), inner)
    {
        Scenario = world.Scenario.Name;
        Seed = world.Seed;
        Checker = checker;
        Detail = detail;
        AtMs = world.Clock.NowMs;
        Phase = world.Phase;
        Unsafe = world.Options.Unsafe;
        TraceTail = Simulation.FormatTail(world, world.Options.FailureTail);
        Counters = SimulationResult.NodeCounters(world);
    }

    public string Scenario { get; }
    public ulong Seed { get; }
    /// <summary>The checker that fired, or "crash" for an exception out of a core or the simulator.</summary>
    public string Checker { get; }
    public string Detail { get; }
    public long AtMs { get; }
    public SimPhase Phase { get; }
    public UnsafeMode Unsafe { get; }
    public IReadOnlyList<string> TraceTail { get; }
    /// <summary>Per-node counters at the moment of failure (what each role did and refused).</summary>
    public IReadOnlyList<string> Counters { get; }
    public string ReplayCommand => Simulation.ReplayCommand(Scenario, Seed, Unsafe);

    internal SimulationFailure(Global.GlobalWorld world, string checker, string detail, Exception inner)
        : base(Compose(world, checker, detail), inner)
    {
        Scenario = world.Scenario.Name;
        Seed = world.Seed;
        Checker = checker;
        Detail = detail;
        AtMs = world.Clock.NowMs;
        Phase = world.Phase;
        Unsafe = world.Options.Unsafe;
        TraceTail = Simulation.FormatTail(world, world.Options.FailureTail);
        Counters = SimulationResult.NodeCounters(world);
    }

    private static string Compose(Global.GlobalWorld world, string checker, string detail) =>
        $"scenario {world.Scenario.Name}, seed {world.Seed}{(world.Options.Unsafe == UnsafeMode.None ? "" : $", unsafe {world.Options.Unsafe.Name()}")}: " +
        $"[{checker}] at {world.Clock.NowMs} ms ({world.Phase} phase): {detail}\n" +
        $"last events:\n  {string.Join("\n  ", Simulation.FormatTail(world, world.Options.FailureTail))}\n" +
        $"replay: {Simulation.ReplayCommand(world.Scenario.Name, world.Seed, world.Options.Unsafe)}";

    private static string Compose(World world, string checker, string detail) =>
        $"scenario {world.Scenario.Name}, seed {world.Seed}{(world.Options.Unsafe == UnsafeMode.None ? "" : $", unsafe {world.Options.Unsafe.Name()}")}: " +
        $"[{checker}] at {world.Clock.NowMs} ms ({world.Phase} phase): {detail}\n" +
        $"last events:\n  {string.Join("\n  ", Simulation.FormatTail(world, world.Options.FailureTail))}\n" +
        $"replay: {Simulation.ReplayCommand(world.Scenario.Name, world.Seed, world.Options.Unsafe)}";
}
