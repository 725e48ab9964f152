using EdgeIoT.Devices;
using EdgeIoT.Provisioning;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class OneZoneTests(ITestOutputHelper output)
{
    private static object ArgsFor(string app, Random random, int device) => app switch
    {
        "kv" => new { key = $"kv/{random.Next(10_000)}", value = $"v{random.Next(1000)}" },
        "ledger" => new { from = $"acct/{device * 2}", to = $"acct/{device * 2 + 1 + random.Next(3)}", amount = 1 + random.Next(5) },
        _ => new { channel = "temp", value = 60 + random.Next(40) },
    };

    private static (string App, string Op) OperationFor(int device, int round) => ((device + round) % 3) switch
    {
        0 => ("kv", round % 2 == 0 ? "update" : "read"),
        1 => ("ledger", "transfer"),
        _ => ("telemetry", "reading"),
    };

    /// <summary>Every device sends its transactions one after another; all of them concurrently.</summary>
    private static async Task<List<DeviceResult>> RunAsync(List<DeviceClient> devices, int perDevice)
    {
        var results = await Task.WhenAll(devices.Select(async (device, index) =>
        {
            var random = new Random(index);
            var mine = new List<DeviceResult>();
            for (var round = 0; round < perDevice; round++)
            {
                var (app, op) = OperationFor(index, round);
                mine.Add(await device.SubmitAsync(app, op, op == "read" ? new { key = $"kv/{random.Next(10_000)}" } : ArgsFor(app, random, index)));
            }
            return mine;
        }));
        return results.SelectMany(r => r).ToList();
    }

    private static long TotalBalance(RunningNetwork network) => network.Rows("acct/").Values.Sum(v => long.Parse(v!));

    [Fact]
    public async Task A_thousand_transactions_from_fifty_devices_all_get_verified_responses_and_the_database_equals_the_replayed_log()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 50);
        var totalBefore = TotalBalance(network);
        var devices = await network.DevicesAsync(50);

        var results = await RunAsync(devices, perDevice: 20);

        Assert.Equal(1000, results.Count);
        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        var committed = results.Count(r => r.IsCommitted);
        output.WriteLine($"committed {committed}, aborted {results.Count - committed}, p50 {Percentile(results, 0.5):0.0} ms, p99 {Percentile(results, 0.99):0.0} ms");
        Assert.True(committed >= 900, $"only {committed} of 1000 committed");

        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        Assert.Equal(committed, audit.Committed);
        Assert.Equal(totalBefore, TotalBalance(network));
        var log = network.Log();
        foreach (var result in results.Where(r => r.IsCommitted))
            Assert.Contains(log, e => e.Seq == result.Seq && e.Position == result.Position && e.Timestamp == result.Timestamp && e.Status == Wire.TxStatus.Committed);
        Assert.Contains(network.Rows("tel/").Keys, k => k.Contains("/alert/"));
    }

    [Fact]
    public async Task With_one_of_three_executors_returning_wrong_results_everything_commits_with_the_right_results()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 20, beforeStart: layout =>
        {
            var path = layout.Config("e2");
            var config = Core.Config.ProcessConfig.Load(path);
            config.Byzantine = "wrong-results";
            config.Save(path);
        });
        var devices = await network.DevicesAsync(20);

        var results = await RunAsync(devices, perDevice: 10);

        Assert.All(results, r => Assert.True(r.Outcome is DeviceOutcome.Committed or DeviceOutcome.Aborted, $"{r.Outcome}: {r.Reason}"));
        Assert.DoesNotContain(results, r => r.ResultJson?.Contains("forged") == true);
        Assert.DoesNotContain(network.Rows("").Values, v => v?.Contains("forged-by-byzantine-executor") == true);
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        Assert.True(audit.Committed >= 180, $"only {audit.Committed} committed");
        Assert.Contains(network.Network.LogTail("e2", 200), line => line.Contains("wrong-results"));
    }

    private static double Percentile(List<DeviceResult> results, double q)
    {
        var sorted = results.Select(r => r.LatencyMs).Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
    }
}
