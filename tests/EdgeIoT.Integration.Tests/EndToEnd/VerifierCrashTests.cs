using EdgeIoT.Cli.Launch;
using EdgeIoT.Devices;
using EdgeIoT.Provisioning;
using EdgeIoT.Wire;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class VerifierCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_verifier_killed_mid_run_and_restarted_loses_nothing_applies_nothing_twice_and_answers_every_device()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 30,
            customize: spec => spec with { Protocol = new Core.Config.ProtocolSettings { RespawnTimeoutMs = 1000 } });
        var totalBefore = network.Rows("acct/").Values.Sum(v => long.Parse(v!));
        var devices = await network.DevicesAsync(30, options: new DeviceClientOptions { ResponseTimeoutMs = 1500, ResponseTimeoutMaxMs = 4000, SubmitDeadlineMs = 120_000 });
        var rounds = new DeviceRounds(devices, 25, (device, index, round) => round % 2 == 0
            ? device.SubmitAsync("ledger", "transfer", new { from = $"acct/{2 * index}", to = $"acct/{2 * index + 1}", amount = 1 + round % 4 })
            : device.SubmitAsync("kv", "rmw", new { key = $"kv/{index * 25 + round}", value = "+" }));

        await Launch.Eventually.True(() => rounds.Answered >= 150, "150 transactions answered before the crash", 60);
        await network.KillAsync(NetworkLayout.VerifierId);
        var answeredAtCrash = rounds.Answered;
        await network.Network.RestartAsync(NetworkLayout.VerifierId);
        var results = await rounds.ResultsAsync(TimeSpan.FromMinutes(3), $"the verifier's restart ({answeredAtCrash} answered before the crash)");
        output.WriteLine($"answered before the crash: {answeredAtCrash}; retries: {results.Sum(r => r.Retries)}");

        Assert.Equal(750, results.Count);
        // The crash came mid-run. Whether devices had to retry depends on how fast the verifier came
        // back: executors re-POST their VERIFY, so a quick restart answers within the device timeout.
        Assert.InRange(answeredAtCrash, 150, 749);
        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        // Devices touch disjoint keys, so aborts come only from the crash: batches in flight are
        // re-executed against a newer state and their executors disagree (aborted, never applied).
        var aborted = results.Count(r => r.Outcome == DeviceOutcome.Aborted);
        output.WriteLine($"aborted by the crash: {aborted}");
        Assert.True(aborted <= 75, $"{aborted} of 750 aborted");
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        var log = network.Log();
        foreach (var result in results.Where(r => r.IsCommitted))
            Assert.Single(log, e => e.Timestamp == result.Timestamp && e.Status == TxStatus.Committed && e.Seq == result.Seq && e.Position == result.Position);
        Assert.Equal(results.Count(r => r.IsCommitted), audit.Committed);
        Assert.Equal(totalBefore, network.Rows("acct/").Values.Sum(v => long.Parse(v!)));
    }
}
