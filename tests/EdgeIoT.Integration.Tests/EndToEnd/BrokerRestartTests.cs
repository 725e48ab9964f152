using EdgeIoT.Cli.Launch;
using EdgeIoT.Devices;
using EdgeIoT.Provisioning;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// The broker is infrastructure: when it dies, everyone reconnects, and what it dropped meanwhile — above
/// all the verifier's DECIDED notices, published while the gateways were not subscribed — must not stall
/// the zone. A zone whose latest decision it never heard of holds its next partial batch for ever (D20),
/// unless the verifier announces that decision again (decisions.md D22).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BrokerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_broker_killed_mid_run_and_restarted_stalls_no_zone_and_answers_every_device()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 10,
            customize: spec => spec with { Protocol = new Core.Config.ProtocolSettings { RespawnTimeoutMs = 1000 } });
        var devices = await network.DevicesAsync(10, options: new DeviceClientOptions { ResponseTimeoutMs = 1500, ResponseTimeoutMaxMs = 4000, SubmitDeadlineMs = 60_000 });
        var rounds = new DeviceRounds(devices, 40, (device, index, round) => device.SubmitAsync("kv", "rmw", new { key = $"kv/{index * 40 + round}", value = "+" }));

        await Launch.Eventually.True(() => rounds.Answered >= 60, "60 transactions answered before the broker dies", 60);
        await network.KillAsync(NetworkLayout.BrokerId);
        var answeredAtCrash = rounds.Answered;
        await network.Network.RestartAsync(NetworkLayout.BrokerId);
        var results = await rounds.ResultsAsync(TimeSpan.FromMinutes(2), $"the broker's restart ({answeredAtCrash} answered before)");
        using var status = await network.Http.GetAsync(new Uri(new Uri(network.Registry.Verifier.Url), "/v1/status"));
        output.WriteLine($"answered before the broker died: {answeredAtCrash}; verifier status: {await status.Content.ReadAsStringAsync()}");

        Assert.Equal(400, results.Count);
        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed, $"{r.Outcome}: {r.Reason}"));
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        Assert.Equal(400, audit.Committed);
    }
}
