using EdgeIoT.Core.Config;
using EdgeIoT.Devices;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>Roaming devices across real zones (ziziphus §3, docs/zones.md): real gateways, executors, verifier and broker.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ZoneTests(ITestOutputHelper output)
{
    private static readonly DeviceClientOptions Patient = new() { ResponseTimeoutMs = 3000, SubmitDeadlineMs = 60_000 };

    [Theory]
    [InlineData(GlobalLeaderMode.StableLeader)]
    [InlineData(GlobalLeaderMode.LeaderElection)]
    public async Task A_device_migrates_with_its_history_and_only_its_new_zone_serves_it(GlobalLeaderMode leader)
    {
        await using var network = await RunningNetwork.StartAsync(devices: 6,
            customize: spec => spec with { Zones = 3, Global = new GlobalSettings { Leader = leader } });
        var devices = await network.DevicesAsync(6, options: Patient);
        var roamer = devices[0];
        Assert.Equal("z1", roamer.Identity.Zone);

        for (var i = 0; i < 3; i++)
            Assert.Equal(DeviceOutcome.Committed, (await roamer.SubmitAsync("telemetry", "reading", new { value = 20 + i })).Outcome);

        var migration = await roamer.MigrateAsync("z2");
        output.WriteLine($"migration ({leader}): {migration.Outcome} {migration.ResultJson} {migration.Reason} in {migration.LatencyMs:F0} ms");
        if (migration.Outcome != DeviceOutcome.Committed)
            foreach (var log in Directory.GetFiles(network.Layout.LogsDir, "z*.log").Order())
                foreach (var line in File.ReadLines(log).Where(l => l.Contains("global", StringComparison.OrdinalIgnoreCase) || l.Contains("warn", StringComparison.OrdinalIgnoreCase)).TakeLast(12))
                    output.WriteLine($"{Path.GetFileName(log)}: {line}");
        Assert.Equal(DeviceOutcome.Committed, migration.Outcome);
        Assert.Contains("\"to\":\"z2\"", migration.ResultJson);
        Assert.Equal("z2", roamer.Identity.Zone);

        var after = await roamer.SubmitAsync("telemetry", "reading", new { value = 30 });
        output.WriteLine($"after: {after.Outcome} {after.Reason}");
        Assert.Equal(DeviceOutcome.Committed, after.Outcome);
        Assert.Equal("z2", after.Zone);

        // The old zone refuses it now, telling it where it belongs.
        var (jws, _) = roamer.Identity.Sign("telemetry", "reading", new { value = 1 }, zone: "z1");
        var stray = await roamer.SubmitSignedAsync(jws, ParseTimestamp(jws), zone: "z1");
        Assert.Equal(DeviceOutcome.RefusedByGateways, stray.Outcome);
        Assert.Contains("belongs to zone z2", stray.Reason);

        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        using var database = Verifier.Storage.VerifierDatabase.OpenReadOnly(network.VerifierDatabasePath);
        var moved = Assert.Single(database.ReadMigrations());
        Assert.Equal((roamer.Identity.Id, "z1", "z2", 3UL), (moved.Device, moved.From, moved.To, moved.HistoryCount));
    }

    private static ulong ParseTimestamp(byte[] jws)
    {
        Assert.True(Core.Envelope.JwsCompact.TryParse(jws, 4096, out var parsed, out _));
        return System.Text.Json.JsonDocument.Parse(parsed.Payload).RootElement.GetProperty("ts").GetUInt64();
    }
}
