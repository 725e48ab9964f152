using System.Text.Json;

namespace EdgeIoT.Cli.Up;

/// <summary>
/// One line of the device simulator's stdout contract: <c>{"type":"stats",...}</c> every second with
/// cumulative counters and last-second latency, or <c>{"type":"summary",...}</c> once at the end, which
/// adds throughput_tps and duration_s. Parsed defensively: a missing or mistyped field reads as unknown.
/// </summary>
public sealed record SimulatorStats(
    bool IsSummary,
    double? ElapsedSeconds,
    long Committed,
    long Aborted,
    long Rejected,
    long ResponsesVerified,
    long Timeouts,
    long InFlight,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? ThroughputTps,
    double? DurationSeconds,
    JsonElement Raw)
{
    public static SimulatorStats? TryParse(JsonElement line)
    {
        if (line.ValueKind != JsonValueKind.Object || !line.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            return null;
        var isSummary = type.ValueEquals("summary");
        if (!isSummary && !type.ValueEquals("stats")) return null;
        var latency = line.TryGetProperty("latency_ms", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
        return new SimulatorStats(
            isSummary,
            Number(line, "elapsed_s"),
            Count(line, "committed"),
            Count(line, "aborted"),
            Count(line, "rejected"),
            Count(line, "responses_verified"),
            Count(line, "timeouts"),
            Count(line, "in_flight"),
            Number(latency, "p50"),
            Number(latency, "p90"),
            Number(latency, "p99"),
            Number(line, "throughput_tps"),
            Number(line, "duration_s"),
            line.Clone());
    }

    private static double? Number(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
            ? number
            : null;

    private static long Count(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : 0;
}
