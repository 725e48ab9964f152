using EdgeIoT.Cli.Launch;
using EdgeIoT.Core.Config;
using EdgeIoT.Devices;
using EdgeIoT.Provisioning;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// Attacks run with real processes, the faulty role configured through "byzantine" in its process
/// configuration (serverlessbft §5): the system replaces a faulty primary and answers every device.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ByzantineTests(ITestOutputHelper output)
{
    private static ProtocolSettings FastTimers() => new()
    {
        RequestTimeoutMs = 1500,
        ViewChangeTimeoutMs = 2000,
        RetransmitTimeoutMs = 2000,
        VerifierTimeoutMs = 1500,
        RespawnTimeoutMs = 1000,
    };

    private static void Byzantine(NetworkLayout layout, string id, string behaviour)
    {
        var path = layout.Config(id);
        var config = ProcessConfig.Load(path);
        config.Byzantine = behaviour;
        config.Save(path);
    }

    private static async Task<List<DeviceResult>> SendAsync(List<DeviceClient> devices, int perDevice) =>
        (await Task.WhenAll(devices.Select(async (device, index) =>
        {
            var results = new List<DeviceResult>();
            for (var round = 0; round < perDevice; round++)
                results.Add(round % 2 == 0
                    ? await device.SubmitAsync("ledger", "transfer", new { from = $"acct/{index}", to = $"acct/{index + 50}", amount = 1 })
                    : await device.SubmitAsync("kv", "update", new { key = $"kv/{index * 100 + round}", value = "v" }));
            return results;
        }))).SelectMany(r => r).ToList();

    private static DeviceClientOptions Patient => new() { ResponseTimeoutMs = 2000, ResponseTimeoutMaxMs = 4000, SubmitDeadlineMs = 120_000 };

    [Theory]
    [InlineData("ignore-requests")] // S1
    [InlineData("few-executors")]   // S3
    [InlineData("equivocate")]      // D2
    public async Task A_byzantine_primary_is_replaced_by_a_view_change_and_every_transaction_is_answered(string behaviour)
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 12,
            customize: spec => spec with { Protocol = FastTimers() },
            beforeStart: layout => Byzantine(layout, "z1-g0", behaviour));
        var devices = await network.DevicesAsync(12, options: Patient);

        var results = await SendAsync(devices, perDevice: 6);

        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        Assert.True(results.Count(r => r.IsCommitted) >= 60, $"{results.Count(r => r.IsCommitted)} of 72 committed");
        var installed = new[] { "z1-g1", "z1-g2", "z1-g3" }.SelectMany(g => network.Network.LogTail(g, 2000)).Where(l => l.Contains("installed view")).ToList();
        output.WriteLine(string.Join("\n", installed.Take(6)));
        Assert.NotEmpty(installed);
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        Assert.Contains(network.Network.LogTail("z1-g0", 4000), l => l.Contains("fault injection"));
    }

    [Fact]
    public async Task A_flooding_executor_does_not_starve_honest_traffic()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 12, beforeStart: layout => Byzantine(layout, "e1", "flood-verify"));
        var devices = await network.DevicesAsync(12, options: Patient);

        var results = await SendAsync(devices, perDevice: 10);

        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        var status = await network.Http.GetStringAsync(new Uri(new Uri(network.Registry.Verifier.Url), "/v1/status"));
        output.WriteLine(status);
        using var document = System.Text.Json.JsonDocument.Parse(status);
        var votes = document.RootElement.GetProperty("votes");
        var dropped = votes.GetProperty("duplicates").GetInt64() + votes.GetProperty("for_decided").GetInt64();
        Assert.True(dropped > 50 * 10, $"only {dropped} flooded VERIFY were dropped");
        Assert.True(network.Audit().Passed);
    }

    [Fact]
    public async Task A_gateway_killed_and_restarted_rejoins_and_carries_the_quorum()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 12, customize: spec => spec with { Protocol = FastTimers() });
        var devices = await network.DevicesAsync(12, options: Patient);

        var first = await SendAsync(devices, perDevice: 4);
        network.Network.Kill("z1-g3", Signal.Kill);
        await network.Network.WaitForExitAsync("z1-g3", TimeSpan.FromSeconds(10));
        var duringOutage = await SendAsync(devices, perDevice: 4);
        await network.Network.RestartAsync("z1-g3");
        Assert.Contains(network.Network.LogTail("z1-g3", 200), l => l.Contains("restored view"));

        // Now take another gateway down: with f_R = 1, progress needs the restarted one.
        network.Network.Kill("z1-g2", Signal.Kill);
        await network.Network.WaitForExitAsync("z1-g2", TimeSpan.FromSeconds(10));
        var afterRestart = await SendAsync(devices, perDevice: 4);

        var all = first.Concat(duringOutage).Concat(afterRestart).ToList();
        Assert.All(all, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        Assert.True(afterRestart.Count(r => r.IsCommitted) >= 40, $"{afterRestart.Count(r => r.IsCommitted)} of 48 committed after the restart");
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
    }
}
