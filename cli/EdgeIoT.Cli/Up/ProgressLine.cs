using System.Globalization;
using EdgeIoT.Cli.Launch;

namespace EdgeIoT.Cli.Up;

/// <summary>The once-a-second line of <c>edgeiot up</c>.</summary>
public static class ProgressLine
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// <c>  12s  committed 24,310 (2,051/s)  aborted 0  rejected 0  p50 7.9 ms  p99 21.4 ms  | gateways 4/4 executors 3/3 verifier up</c>;
    /// the rate is over the interval since <paramref name="previous"/>.
    /// </summary>
    public static string Render(SimulatorStats? latest, SimulatorStats? previous, NetworkHealth health, TimeSpan sinceDevicesStarted)
    {
        // The launcher's clock, not the simulator's elapsed_s: it keeps ticking when the simulator goes quiet.
        var head = string.Create(Invariant, $"{Math.Floor(sinceDevicesStarted.TotalSeconds),4:0}s  ");
        var body = latest is null
            ? "waiting for the device simulator's first stats"
            : string.Create(Invariant, $"committed {latest.Committed:N0} ({Rate(latest, previous)}/s)  aborted {latest.Aborted:N0}  rejected {latest.Rejected:N0}  p50 {Ms(latest.P50Ms)}  p99 {Ms(latest.P99Ms)}");
        return $"{head}{body}  | {Health(health)}";
    }

    public static string Health(NetworkHealth health) =>
        $"gateways {health.GatewaysUp}/{health.Gateways} executors {health.ExecutorsUp}/{health.Executors} verifier {(health.VerifierUp ? "up" : "down")}" +
        (health.BrokerUp ? "" : " broker down");

    private static string Rate(SimulatorStats latest, SimulatorStats? previous)
    {
        if (latest.ElapsedSeconds is not { } now || now <= 0) return "–";
        var (committedBefore, before) = previous is { ElapsedSeconds: { } then } && then < now ? (previous.Committed, then) : (0L, 0.0);
        return ((latest.Committed - committedBefore) / (now - before)).ToString("N0", Invariant);
    }

    public static string Ms(double? milliseconds) => milliseconds is { } value ? value.ToString("0.0", Invariant) + " ms" : "– ms";
}
