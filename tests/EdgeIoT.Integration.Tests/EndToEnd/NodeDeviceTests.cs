using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// A device written outside .NET — Node.js with MQTT.js and jose (devices/examples/node) — publishes a
/// transaction and verifies the verifier's response: the device formats are standard JOSE.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NodeDeviceTests(ITestOutputHelper output)
{
    private static string ExampleDir =>
        Path.Combine(Cli.Launch.HostBinaries.FindRepoRoot(AppContext.BaseDirectory)!, "devices", "examples", "node");

    [Fact]
    public async Task A_Node_js_device_using_MQTT_js_and_jose_gets_its_transaction_committed()
    {
        Assert.True(Directory.Exists(Path.Combine(ExampleDir, "node_modules", "jose")) && Directory.Exists(Path.Combine(ExampleDir, "node_modules", "mqtt")),
            $"run `npm install` in {ExampleDir} (.ci/run does)");
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 3);
        var start = new ProcessStartInfo("node", ["device.mjs", network.Layout.Root, "d0002", "ledger", "transfer", "{\"from\":\"acct/1\",\"to\":\"acct/2\",\"amount\":5}"])
        {
            WorkingDirectory = ExampleDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {await stderr}{await stdout}");

        using var response = JsonDocument.Parse(await stdout);
        Assert.Equal("committed", response.RootElement.GetProperty("status").GetString());
        Assert.True(response.RootElement.GetProperty("result").GetProperty("ok").GetBoolean());
        var entry = Assert.Single(network.Log());
        Assert.Equal("d0002", entry.Device);
        Assert.Equal("995", network.Rows("acct/1")["acct/1"]);
    }
}
