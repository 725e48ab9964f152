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
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 6,
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
        Assert.Contains("zone z2", stray.Reason);

        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        using var database = Verifier.Storage.VerifierDatabase.OpenReadOnly(network.VerifierDatabasePath);
        var moved = Assert.Single(database.ReadMigrations());
        Assert.Equal((roamer.Identity.Id, "z1", "z2", 3UL), (moved.Device, moved.From, moved.To, moved.HistoryCount));
    }

    [Fact]
    public async Task A_migration_that_breaks_a_policy_is_refused_with_its_reason_and_moves_nothing()
    {
        // Two devices per zone, at most two per zone: any migration would overfill its destination.
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 6,
            customize: spec => spec with { Zones = 3, Global = new GlobalSettings { ClientsPerZoneMax = 2 } });
        var devices = await network.DevicesAsync(6, options: Patient);
        var mover = devices[0];
        var refused = await mover.MigrateAsync("z2");
        output.WriteLine($"migration: {refused.Outcome} {refused.Reason}");
        Assert.Equal(DeviceOutcome.RefusedByGateways, refused.Outcome);
        Assert.StartsWith("policy", refused.Reason);
        Assert.Contains("z2", refused.Reason);
        Assert.Equal("z1", mover.Identity.Zone);
        // Still served where it was.
        Assert.Equal(DeviceOutcome.Committed, (await mover.SubmitAsync("telemetry", "reading", new { value = 5 })).Outcome);
        using var database = Verifier.Storage.VerifierDatabase.OpenReadOnly(network.VerifierDatabasePath);
        Assert.Empty(database.ReadMigrations());
    }

    [Theory]
    [InlineData(GlobalLeaderMode.StableLeader)]
    [InlineData(GlobalLeaderMode.LeaderElection)]
    public async Task A_whole_zone_killed_does_not_stop_migrations_between_the_other_two(GlobalLeaderMode leader)
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 6,
            customize: spec => spec with { Zones = 3, Global = new GlobalSettings { Leader = leader } });
        var devices = await network.DevicesAsync(6, options: Patient);
        foreach (var gateway in network.Registry.Zone("z3").Gateways) network.Network.Kill(gateway.Id, Cli.Launch.Signal.Kill);
        foreach (var gateway in network.Registry.Zone("z3").Gateways)
            Assert.Equal(137, await network.Network.WaitForExitAsync(gateway.Id, TimeSpan.FromSeconds(10)));

        // d0001 lives in z1, d0002 in z2: they swap zones with z3 gone.
        var there = await devices[0].MigrateAsync("z2");
        var back = await devices[1].MigrateAsync("z1");
        output.WriteLine($"z1->z2: {there.Outcome} {there.Reason} in {there.LatencyMs:F0} ms; z2->z1: {back.Outcome} {back.Reason} in {back.LatencyMs:F0} ms");
        Assert.Equal(DeviceOutcome.Committed, there.Outcome);
        Assert.Equal(DeviceOutcome.Committed, back.Outcome);
        Assert.Equal(DeviceOutcome.Committed, (await devices[0].SubmitAsync("telemetry", "reading", new { value = 7 })).Outcome);
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
    }

    [Fact]
    public async Task Devices_roam_while_sending_ledger_transfers_the_balance_is_conserved_and_the_audit_passes()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 6, customize: spec => spec with { Zones = 3 });
        var totalBefore = network.Rows("acct/").Values.Sum(v => long.Parse(v!));
        var devices = await network.DevicesAsync(6, options: Patient);
        var zones = network.Registry.Zones.Select(z => z.Id).ToList();
        var results = await Task.WhenAll(devices.Select(async (device, index) =>
        {
            var outcomes = new List<(bool Migration, DeviceResult Result)>();
            for (var round = 0; round < 9; round++)
            {
                if (round % 3 == 2)
                {
                    var next = zones[(zones.IndexOf(device.Identity.Zone) + 1) % zones.Count];
                    outcomes.Add((true, await device.MigrateAsync(next)));
                }
                else
                {
                    outcomes.Add((false, await device.SubmitAsync("ledger", "transfer",
                        new { from = $"acct/{2 * index}", to = $"acct/{(2 * index + 3) % 12}", amount = 1 + round })));
                }
            }
            return outcomes;
        }));
        var all = results.SelectMany(r => r).ToList();
        output.WriteLine($"transfers: {all.Count(r => !r.Migration && r.Result.IsCommitted)} committed, {all.Count(r => !r.Migration && r.Result.Outcome == DeviceOutcome.Aborted)} aborted; migrations: {all.Count(r => r.Migration && r.Result.IsCommitted)} committed");
        Assert.All(all, r => Assert.True(r.Result.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Result.Outcome}: {r.Result.Reason}"));
        Assert.All(all.Where(r => r.Migration), r => Assert.Equal(DeviceOutcome.Committed, r.Result.Outcome));
        Assert.Equal(totalBefore, network.Rows("acct/").Values.Sum(v => long.Parse(v!)));

        // Lazy checkpoints (docs/zones.md decision Z4): the COMMITs carried the zones' certified checkpoints
        // to every gateway of every zone — all three zones answered ACCEPTs and decided batches meanwhile.
        var gateways = network.Registry.Zones.SelectMany(z => z.Gateways).Select(g => g.Id).ToList();
        HashSet<string> HeldZones(string gateway)
        {
            var path = Path.Combine(network.Layout.State(gateway), Core.Execution.CheckpointJournalEntry.FileName);
            return File.Exists(path) ? Core.Execution.CheckpointJournalEntry.Read(path).Select(e => e.Zone).ToHashSet() : [];
        }
        await Launch.Eventually.True(() => gateways.All(g => HeldZones(g).SetEquals(zones)),
            "every gateway holds a certified checkpoint of every zone: " + string.Join("; ", gateways.Select(g => $"{g}: {string.Join(",", HeldZones(g).Order())}")), 30);

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.True(Cli.Commands.AuditCommand.Run(["--dir", network.Layout.Root], stdout, stderr) == 0, stdout.ToString() + stderr);
        Assert.Contains("18 migrations the verifier applied", stdout.ToString());
        output.WriteLine(stdout.ToString());
        Assert.Matches(@"checkpoints: [1-9][\d,]* certified checkpoints held \(.* of 12 gateways\)", stdout.ToString());

        // The audit is not vacuous: a gateway whose journal disagrees on a global transaction is caught, and
        // so is a checkpoint whose digest is not the verifier's.
        var journal = Path.Combine(network.Layout.State("z2-g1"), Core.Execution.GlobalJournalEntry.FileName);
        var lines = File.ReadAllLines(journal);
        lines[0] = lines[0].Replace("\"allowed\":true", "\"allowed\":false", StringComparison.Ordinal);
        File.WriteAllLines(journal, lines);
        var checkpoints = Path.Combine(network.Layout.State("z3-g2"), Core.Execution.CheckpointJournalEntry.FileName);
        var held = File.ReadAllLines(checkpoints);
        var entry = Core.Execution.CheckpointJournalEntry.Read(checkpoints).Last();
        held[^1] = (entry with { Digest = new string('0', 64) }).ToLine();
        File.WriteAllLines(checkpoints, held);
        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, Cli.Commands.AuditCommand.Run(["--dir", network.Layout.Root], stdout, stderr));
        Assert.Contains("gateway z2-g1 executed", stderr.ToString());
        Assert.Contains($"gateway z3-g2 holds a certified checkpoint of {entry.Zone} at {entry.Seq} with digest 0000000000000000", stderr.ToString());
    }

    [Fact]
    public async Task A_gateway_killed_and_restarted_restores_its_global_state_and_keeps_up()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 6, customize: spec => spec with { Zones = 3 });
        var devices = await network.DevicesAsync(6, options: Patient);
        // A decided batch in every zone first, so the migration's COMMIT carries the zones' checkpoints.
        foreach (var device in devices.Take(3))
            Assert.Equal(DeviceOutcome.Committed, (await device.SubmitAsync("telemetry", "reading", new { value = 3 })).Outcome);
        Assert.Equal(DeviceOutcome.Committed, (await devices[0].MigrateAsync("z2")).Outcome);
        var checkpoints = Path.Combine(network.Layout.State("z3-g1"), Core.Execution.CheckpointJournalEntry.FileName);
        await Launch.Eventually.True(() => File.Exists(checkpoints) && Core.Execution.CheckpointJournalEntry.Read(checkpoints).Any(), "z3-g1 holds a checkpoint", 30);

        network.Network.Kill("z3-g1", Cli.Launch.Signal.Kill);
        Assert.Equal(137, await network.Network.WaitForExitAsync("z3-g1", TimeSpan.FromSeconds(10)));
        await network.Network.RestartAsync("z3-g1");
        var log = File.ReadAllText(network.Layout.Log("z3-g1"));
        Assert.Contains("restored the global coordinator", log);
        // The latest certified checkpoints it held came back from replica.db, their proofs verified again.
        Assert.Matches(@"restored the global coordinator: .* checkpoints z\d@\d+", log);

        // The next global transaction reaches the restarted gateway too, and every journal agrees.
        Assert.Equal(DeviceOutcome.Committed, (await devices[1].MigrateAsync("z3")).Outcome);
        var journal = Path.Combine(network.Layout.State("z3-g1"), Core.Execution.GlobalJournalEntry.FileName);
        await Launch.Eventually.True(() => Core.Execution.GlobalJournalEntry.Read(journal).Any(e => e.Slot == 2), "the restarted gateway executed slot 2", 30);
        Assert.Equal(1, Core.Execution.GlobalJournalEntry.Read(journal).Count(e => e.Slot == 1));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.True(Cli.Commands.AuditCommand.Run(["--dir", network.Layout.Root], stdout, stderr) == 0, stdout.ToString() + stderr);
    }

    private static ulong ParseTimestamp(byte[] jws)
    {
        Assert.True(Core.Envelope.JwsCompact.TryParse(jws, 4096, out var parsed, out _));
        return System.Text.Json.JsonDocument.Parse(parsed.Payload).RootElement.GetProperty("ts").GetUInt64();
    }
}
