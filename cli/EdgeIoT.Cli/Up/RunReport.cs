using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeIoT.Cli.Up;

/// <summary>The JSON summary of an <c>edgeiot up</c> run, written with --report.</summary>
public static class RunReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// The simulator's summary line as it printed it (or, when it printed none, its last stats line with
    /// throughput derived), plus what the run was: duration, devices, workload, network shape, machine.
    /// </summary>
    public static JsonObject Build(SimulatorStats? final, RunFacts facts, MachineInfo machine)
    {
        var report = final is null ? new JsonObject() : JsonNode.Parse(final.Raw.GetRawText())!.AsObject();
        report.Remove("type");
        report["outcome"] = facts.Outcome;
        report["complete"] = final is { IsSummary: true };
        foreach (var counter in new[] { "committed", "aborted", "rejected", "responses_verified", "timeouts" })
            if (!report.ContainsKey(counter)) report[counter] = null;
        if (!report.ContainsKey("latency_ms")) report["latency_ms"] = new JsonObject { ["p50"] = null, ["p99"] = null };
        var duration = final?.DurationSeconds ?? final?.ElapsedSeconds ?? facts.DevicesRunSeconds;
        if (!report.ContainsKey("duration_s")) report["duration_s"] = Math.Round(duration, 3);
        if (!report.ContainsKey("throughput_tps"))
            report["throughput_tps"] = final is not null && duration > 0 ? Math.Round(final.Committed / duration, 1) : null;
        report["devices"] = facts.Devices;
        report["rate_tps"] = facts.RateTps;
        report["workload"] = facts.Workload;
        report["zones"] = facts.Zones;
        report["gateways_per_zone"] = facts.GatewaysPerZone;
        report["executors"] = facts.Executors;
        if (facts.Contention is { } contention)
        {
            report["conflict_percent"] = contention.ConflictPercent;
            report["declared_rw"] = contention.DeclaredReadWriteSets;
            report["spawning"] = contention.Spawning;
            report["conflict_avoidance"] = contention.ConflictAvoidance;
        }
        if (facts.Gateways is { } gateways)
        {
            report["gateway_rss_peak_mib"] = gateways.PeakResidentMiB is { } rss ? Math.Round(rss, 1) : null;
            report["gateway_ready_s_max"] = gateways.ReadySecondsMax is { } ready ? Math.Round(ready, 3) : null;
        }
        if (facts.Batches is { } batches)
        {
            report["batches_decided"] = batches.Batches;
            report["avg_batch_txs"] = batches.AverageTransactions is { } average ? Math.Round(average, 2) : null;
        }
        report["started_at"] = facts.StartedAt.UtcDateTime.ToString("O");
        report["machine"] = new JsonObject { ["cores"] = machine.Cores, ["cpu_model"] = machine.CpuModel };
        return report;
    }

    public static void Write(string path, JsonObject report)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        // Written beside and renamed, so a reader never sees half a report.
        var partial = path + ".partial";
        File.WriteAllText(partial, report.ToJsonString(Indented) + "\n");
        File.Move(partial, path, overwrite: true);
    }
}

public sealed record RunFacts(string Outcome, int Devices, string Workload, int Zones, int GatewaysPerZone, int Executors, DateTimeOffset StartedAt, double DevicesRunSeconds)
{
    /// <summary>How the run contended (serverlessbft §6): the workload's conflicts and the invokers' spawning.</summary>
    public ContentionFacts? Contention { get; init; }
    /// <summary>The gateways' peak memory and start-up time, measured before they were stopped.</summary>
    public GatewayFacts? Gateways { get; init; }
    /// <summary>How many transactions the decided batches held on average (the verifier's batches table).</summary>
    public BatchFacts? Batches { get; init; }
    /// <summary>The devices' combined sending rate (<c>up --rate</c>); null: each sent as soon as its response came.</summary>
    public int? RateTps { get; init; }
}

public sealed record ContentionFacts(int ConflictPercent, bool DeclaredReadWriteSets, string Spawning, bool ConflictAvoidance);
