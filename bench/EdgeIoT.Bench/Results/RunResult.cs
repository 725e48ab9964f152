using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeIoT.Bench.Results;

/// <summary>What a benchmark number ran on.</summary>
public sealed record Machine([property: JsonPropertyName("cores")] int Cores, [property: JsonPropertyName("cpu_model")] string CpuModel);

public sealed record LatencyMs([property: JsonPropertyName("p50")] double P50, [property: JsonPropertyName("p90")] double P90, [property: JsonPropertyName("p99")] double P99);

/// <summary>
/// One run's result file (results/&lt;experiment&gt;/&lt;series&gt;-&lt;x&gt;.json). Throughput counts committed
/// transactions (or completed requests) per second after the warm-up; latency is over the same window;
/// <see cref="Ok"/> is false when the run failed, and <see cref="Error"/> says why.
/// </summary>
public sealed record RunResult
{
    [JsonPropertyName("experiment")] public required string Experiment { get; init; }
    [JsonPropertyName("series")] public required string Series { get; init; }
    [JsonPropertyName("x")] public required double X { get; init; }
    [JsonPropertyName("params")] public required Dictionary<string, object?> Params { get; init; }
    [JsonPropertyName("ok")] public bool Ok { get; init; } = true;
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("smoke")] public bool Smoke { get; init; }
    [JsonPropertyName("throughput_tps")] public double ThroughputTps { get; init; }
    [JsonPropertyName("latency_ms")] public LatencyMs LatencyMs { get; init; } = new(0, 0, 0);
    [JsonPropertyName("committed")] public long Committed { get; init; }
    [JsonPropertyName("aborted")] public long Aborted { get; init; }
    /// <summary>Seconds measured (after the warm-up).</summary>
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; init; }
    [JsonPropertyName("warmup_s")] public double WarmupSeconds { get; init; }
    [JsonPropertyName("machine")] public required Machine Machine { get; init; }
    [JsonPropertyName("started_at")] public required string StartedAt { get; init; }
    /// <summary>What only some runs measure: gateway memory and start-up, the crypto ceiling, timeouts…</summary>
    [JsonPropertyName("extra")] public Dictionary<string, object?> Extra { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
