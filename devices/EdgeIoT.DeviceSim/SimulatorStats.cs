using System.Text.Json;

namespace EdgeIoT.DeviceSim;

/// <summary>
/// Counters of the simulated devices, written to stdout as one JSON line per second
/// ({"type":"stats",...}) and a final {"type":"summary",...}; the launcher renders them.
/// </summary>
internal sealed class SimulatorStats
{
    public long Committed, Aborted, Rejected, Refused, TimedOut, ResponsesVerified, InFlight, Retries;
    /// <summary>Outcomes and latencies after the warm-up: what a benchmark reports.</summary>
    public long MeasuredCommitted, MeasuredAborted;
    private int _measuring;
    public LatencyWindow Latency { get; } = new();
    /// <summary>Latencies of responses after the warm-up only (the live window keeps every one).</summary>
    public LatencyWindow MeasuredLatency { get; } = new();

    public bool Measuring => Volatile.Read(ref _measuring) != 0;

    /// <summary>The warm-up is over: from now on outcomes and latencies count for the summary.</summary>
    public void StartMeasuring() => Volatile.Write(ref _measuring, 1);

    public long MigrationsCommitted, MigrationsRefused, MigrationsTimedOut;
    /// <summary>Migrations committed after the warm-up: with the local transactions, a benchmark's throughput of both kinds.</summary>
    public long MeasuredMigrationsCommitted;

    /// <summary>A migration request's outcome: committed (adopted by the destination), or refused with a reason.</summary>
    public void RecordMigration(EdgeIoT.Devices.DeviceResult result)
    {
        switch (result.Outcome)
        {
            case EdgeIoT.Devices.DeviceOutcome.Committed:
                Interlocked.Increment(ref MigrationsCommitted);
                if (Measuring) Interlocked.Increment(ref MeasuredMigrationsCommitted);
                break;
            case EdgeIoT.Devices.DeviceOutcome.TimedOut: Interlocked.Increment(ref MigrationsTimedOut); break;
            default: Interlocked.Increment(ref MigrationsRefused); break;
        }
    }

    public void Record(EdgeIoT.Devices.DeviceResult result)
    {
        switch (result.Outcome)
        {
            case EdgeIoT.Devices.DeviceOutcome.Committed: Interlocked.Increment(ref Committed); break;
            case EdgeIoT.Devices.DeviceOutcome.Aborted: Interlocked.Increment(ref Aborted); break;
            case EdgeIoT.Devices.DeviceOutcome.Rejected: Interlocked.Increment(ref Rejected); break;
            case EdgeIoT.Devices.DeviceOutcome.RefusedByGateways: Interlocked.Increment(ref Refused); break;
            case EdgeIoT.Devices.DeviceOutcome.TimedOut: Interlocked.Increment(ref TimedOut); break;
        }
        var measuring = Measuring;
        if (measuring && result.Outcome == EdgeIoT.Devices.DeviceOutcome.Committed) Interlocked.Increment(ref MeasuredCommitted);
        if (measuring && result.Outcome == EdgeIoT.Devices.DeviceOutcome.Aborted) Interlocked.Increment(ref MeasuredAborted);
        if (result.Outcome is EdgeIoT.Devices.DeviceOutcome.Committed or EdgeIoT.Devices.DeviceOutcome.Aborted or EdgeIoT.Devices.DeviceOutcome.Rejected)
        {
            Interlocked.Increment(ref ResponsesVerified);
            Latency.Add(result.LatencyMs);
            if (measuring) MeasuredLatency.Add(result.LatencyMs);
        }
        Interlocked.Add(ref Retries, result.Retries);
    }

    public string StatsLine(double elapsedSeconds)
    {
        var window = Latency.TakeWindow();
        return JsonSerializer.Serialize(new
        {
            type = "stats",
            elapsed_s = Math.Round(elapsedSeconds, 3),
            committed = Interlocked.Read(ref Committed),
            aborted = Interlocked.Read(ref Aborted),
            rejected = Interlocked.Read(ref Rejected) + Interlocked.Read(ref Refused),
            responses_verified = Interlocked.Read(ref ResponsesVerified),
            timeouts = Interlocked.Read(ref TimedOut),
            in_flight = Interlocked.Read(ref InFlight),
            migrations_committed = Interlocked.Read(ref MigrationsCommitted),
            latency_ms = LatencyJson(window),
        });
    }

    /// <param name="presignExhausted">Devices that ran out of pre-signed transactions before the end (they stopped sending).</param>
    public string SummaryLine(double durationSeconds, double measuredSeconds, int devices, string workload, bool presigned, int presignExhausted)
    {
        var overall = MeasuredLatency.Overall();
        var committedInWindow = Interlocked.Read(ref MeasuredCommitted);
        return JsonSerializer.Serialize(new
        {
            type = "summary",
            devices,
            workload,
            duration_s = Math.Round(durationSeconds, 3),
            committed = Interlocked.Read(ref Committed),
            aborted = Interlocked.Read(ref Aborted),
            rejected = Interlocked.Read(ref Rejected) + Interlocked.Read(ref Refused),
            responses_verified = Interlocked.Read(ref ResponsesVerified),
            timeouts = Interlocked.Read(ref TimedOut),
            retries = Interlocked.Read(ref Retries),
            measured_s = Math.Round(measuredSeconds, 3),
            committed_measured = committedInWindow,
            aborted_measured = Interlocked.Read(ref MeasuredAborted),
            presigned,
            presign_exhausted_devices = presignExhausted,
            migrations_committed = Interlocked.Read(ref MigrationsCommitted),
            migrations_committed_measured = Interlocked.Read(ref MeasuredMigrationsCommitted),
            migrations_refused = Interlocked.Read(ref MigrationsRefused),
            migrations_timed_out = Interlocked.Read(ref MigrationsTimedOut),
            throughput_tps = measuredSeconds > 0 ? Math.Round(committedInWindow / measuredSeconds, 1) : 0,
            latency_ms = LatencyJson(overall),
        });
    }

    private static double Round(double value) => Math.Round(value, 2);

    /// <summary>Percentiles in milliseconds; nulls when no response came (a 0 would read as an instant answer).</summary>
    private static object LatencyJson(Percentiles latency) => latency.Count == 0
        ? new { p50 = (double?)null, p90 = (double?)null, p99 = (double?)null }
        : new { p50 = (double?)Round(latency.P50), p90 = (double?)Round(latency.P90), p99 = (double?)Round(latency.P99) };
}
