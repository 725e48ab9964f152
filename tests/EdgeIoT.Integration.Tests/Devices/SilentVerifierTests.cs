using System.Net;
using System.Net.Sockets;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Integration.Tests.Infrastructure;
using EdgeIoT.Integration.Tests.Launch;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Devices;

/// <summary>
/// A device whose response times out asks the verifier (serverlessbft §5.1.2). On a loaded machine the
/// verifier may not answer within the HTTP client's timeout; that must be one more unanswered retry,
/// not an exception that ends the device (it took the device simulator down in 5-zone benchmark runs).
/// </summary>
public sealed class SilentVerifierTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_verifier_that_accepts_but_never_answers_leaves_the_device_timed_out_not_crashed()
    {
        using var broker = await MosquittoBroker.StartNewAsync();
        // Accepts connections (the kernel completes the handshake) and never reads or answers.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var layout = TestNetworks.Provision(_temp.Sub("net"), devices: 1);
            var registry = NetworkRegistry.Load(layout.Registry);
            registry.Mqtt.Port = broker.Port;
            registry.Verifier.Url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
            await using var connection = new DeviceConnection(registry, $"silent-verifier-{Guid.NewGuid():N}");
            await connection.ConnectAsync(CancellationToken.None);
            using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
            var device = registry.Devices[0];
            var client = await DeviceClient.AttachAsync(connection, new DeviceIdentity(device.Id, device.Zone, KeyFile.Read(layout.DeviceKey(device.Id))), http,
                new DeviceClientOptions { ResponseTimeoutMs = 100, ResponseTimeoutMaxMs = 100, SubmitDeadlineMs = 1500 });

            // No gateway runs, so nothing answers: every retry asks the silent verifier and its HTTP call times out.
            var result = await client.SubmitAsync("kv", "update", new { key = "kv/1", value = "v" });

            Assert.Equal(DeviceOutcome.TimedOut, result.Outcome);
            Assert.True(result.Retries >= 2, $"{result.Retries} retries");
        }
        finally
        {
            silent.Stop();
        }
    }
}
