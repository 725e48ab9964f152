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
        report["workload"] = facts.Workload;
        report["zones"] = facts.Zones;
        report["gateways_per_zone"] = facts.GatewaysPerZone;
        report["executors"] = facts.Executors;
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

public sealed record RunFacts(string Outcome, int Devices, string Workload, int Zones, int GatewaysPerZone, int Executors, DateTimeOffset StartedAt, double DevicesRunSeconds);
