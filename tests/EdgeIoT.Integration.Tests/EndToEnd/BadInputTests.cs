using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Devices;
using EdgeIoT.Wire;
using Google.Protobuf;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// Bad input from devices, executors, gateways' peers and anyone on the network is refused with a
/// reason, writes nothing, and crashes nothing.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadInputTests(ITestOutputHelper output)
{
    private static byte[] Signed(SigningKey key, string kid, object payload) =>
        JwsCompact.Sign(key, kid, Encoding.UTF8.GetBytes(payload as string ?? JsonSerializer.Serialize(payload)));

    private static object Payload(string dev, ulong ts, string app = "kv", string zone = "z1", object? args = null) =>
        new { dev, zone, ts, app, op = "update", args = args ?? new { key = "kv/7", value = "bad" } };

    [Fact]
    public async Task Each_kind_of_bad_device_input_is_refused_with_its_reason_and_nothing_is_written()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 10);
        await using var probe = await DeviceProbe.StartAsync(network);
        var f = network.Registry.Zones[0].FaultyGateways;
        using var impostor = SigningKey.Generate();
        var ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var nextDevice = 1;

        // Each case uses its own device: gateways rate-limit refusals per device (decisions.md D10).
        async Task ExpectRefusal(Func<string, SigningKey, byte[]> make, string reason)
        {
            var device = network.Registry.Devices[nextDevice++].Id;
            using var key = network.DeviceKey(device);
            await probe.PublishAsync(make(device, key));
            await Launch.Eventually.True(() => probe.RefusedBy(device, reason) >= f + 1, $"{f + 1} gateways refusing {device}'s transaction with {reason}");
        }

        await ExpectRefusal((d, _) => Signed(impostor, d, Payload(d, ts)), "bad-signature");
        await ExpectRefusal((d, k) => Signed(k, d, "this is not json"), "malformed-payload");
        await ExpectRefusal((d, k) => Signed(k, d, Payload(d, ts, app: "poker")), "unknown-application");
        await ExpectRefusal((d, k) => Signed(k, d, Payload(d, ts, zone: "z9")), "wrong-zone");
        await ExpectRefusal((d, k) => Signed(k, d, Payload(d, ts, args: new { key = "kv/7", value = new string('x', 5000) })), "payload-too-large");
        await ExpectRefusal((d, k) => Signed(k, d, new { dev = "someone-else", zone = "z1", ts, app = "kv", op = "read", args = new { key = "kv/1" } }), "device-mismatch");
        var device = network.Registry.Devices[0].Id;
        using var key = network.DeviceKey(device);

        // No registered device to address: the refusal goes to the gateways' logs.
        using var ghost = SigningKey.Generate();
        await probe.PublishAsync(Signed(ghost, "ghost", Payload("ghost", ts)));
        await probe.PublishAsync("this is not a JWS"u8.ToArray());
        await Launch.Eventually.True(() => network.Network.LogTail("z1-g1", 400).Any(l => l.Contains("unknown-device")), "a gateway logging unknown-device");
        await Launch.Eventually.True(() => network.Network.LogTail("z1-g2", 400).Any(l => l.Contains("malformed-jws")), "a gateway logging malformed-jws");

        // A valid transaction commits; its replay and an older timestamp are refused (by the gateways,
        // or — if a copy races into ordering before they learn the decision — by the verifier).
        var client = (await network.DevicesAsync(1, connections: 1))[0];
        var (legit, legitTs) = client.Identity.Sign("kv", "update", new { key = "kv/7", value = "good" });
        var committed = await client.SubmitSignedAsync(legit, legitTs);
        Assert.Equal(DeviceOutcome.Committed, committed.Outcome);
        var responsesBefore = probe.Responses.Count;
        await probe.PublishAsync(legit);
        await Launch.Eventually.True(() => probe.RefusedBy(device, "stale-timestamp", legitTs) >= f + 1
                || probe.Responses.Skip(responsesBefore).Any(r => r.Timestamp == legitTs && r.Status == VerifierResponse.Committed),
            "the replay refused by the gateways or answered with the original decision");
        var older = Signed(key, device, Payload(device, legitTs - 1, args: new { key = "kv/7", value = "older" }));
        await probe.PublishAsync(older);
        await Launch.Eventually.True(() => probe.RefusedBy(device, "stale-timestamp", legitTs - 1) >= f + 1
                || probe.Responses.Any(r => r.Timestamp == legitTs - 1 && r.Status == VerifierResponse.Rejected && r.Reason!.StartsWith("stale-timestamp")),
            "the out-of-order timestamp refused");

        var log = network.Log();
        var committedEntries = log.Where(e => e.Status == TxStatus.Committed).ToList();
        Assert.Equal(legitTs, Assert.Single(committedEntries).Timestamp);
        Assert.Equal("good", network.Rows("kv/7")["kv/7"]);
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
    }

    [Fact]
    public async Task Malformed_messages_to_the_verifier_executors_and_gateway_peers_are_refused_and_crash_nothing()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 2);
        var http = network.Http;
        var verifier = new Uri(network.Registry.Verifier.Url);
        var executor = new Uri(network.Registry.Executors.Members[0].Url);

        async Task<HttpStatusCode> Post(Uri uri, byte[] body)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var response = await http.PostAsync(uri, content);
            return response.StatusCode;
        }

        var garbage = Encoding.ASCII.GetBytes("definitely not protobuf \u0001\u0002\u00ff");
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new Uri(verifier, "/v1/verify"), garbage));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new Uri(verifier, "/v1/read"), garbage));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new Uri(verifier, "/v1/transactions"), garbage));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(executor, garbage));

        // Well-formed but forged: a VERIFY from an unregistered executor index, and one with a bad signature.
        var verify = new Verify { Zone = "z1", Seq = 1, BatchDigest = ByteString.CopyFrom(new byte[32]), Outcomes = ByteString.Empty };
        Assert.Equal(HttpStatusCode.Forbidden, await Post(new Uri(verifier, "/v1/verify"), new Signed { Body = verify.ToByteString(), Signer = 99, Signature = ByteString.CopyFrom(new byte[64]) }.ToByteArray()));
        Assert.Equal(HttpStatusCode.Forbidden, await Post(new Uri(verifier, "/v1/verify"), new Signed { Body = verify.ToByteString(), Signer = 0, Signature = ByteString.CopyFrom(new byte[64]) }.ToByteArray()));
        // An EXECUTE without a valid commit certificate.
        var execute = new Execute { Zone = "z1", Seq = 1, Batch = new Batch { Txs = { ByteString.CopyFromUtf8("x") } } };
        using var stranger = SigningKey.Generate();
        var signedExecute = Core.Quorum.SignedMessages.Sign(execute, SignatureDomain.Execute, 0, stranger);
        Assert.Equal(HttpStatusCode.Forbidden, await Post(executor, signedExecute.ToByteArray()));

        // Garbage on a gateway's peer port and a forged notice on the zone's notices topic.
        var gateway = network.Registry.Zones[0].Gateways[1];
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, gateway.PeerPort);
            await tcp.GetStream().WriteAsync(Enumerable.Repeat((byte)0xAB, 4096).ToArray());
        }
        await using (var probe = await DeviceProbe.StartAsync(network))
        {
            var notice = new Signed { Body = ByteString.CopyFromUtf8("forged"), Signature = ByteString.CopyFrom(new byte[64]) };
            var mqtt = new Core.Mqtt.MqttClient(new Core.Mqtt.MqttClientOptions { Port = network.Registry.Mqtt.Port, ClientId = "forger" });
            await mqtt.ConnectAsync(CancellationToken.None);
            await mqtt.PublishAsync(new Core.Mqtt.Topics(network.Registry.Mqtt.TopicPrefix).ZoneNotices("z1"), notice.ToByteArray(), 1, CancellationToken.None);
            await mqtt.DisposeAsync();
        }
        await Launch.Eventually.True(() => network.Network.LogTail(gateway.Id, 400).Any(l => l.Contains("dropped a notice: not a notice signed by the verifier")), "the gateway dropping the forged notice");

        // Everyone is still up, and the system still commits.
        var client = (await network.DevicesAsync(1, connections: 1))[0];
        var result = await client.SubmitAsync("ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 1 });
        Assert.Equal(DeviceOutcome.Committed, result.Outcome);
        var health = network.Network.Health();
        Assert.True(health.BrokerUp && health.VerifierUp && health.ExecutorsUp == 3 && health.GatewaysUp == 4, $"not every process is up: {health}");
        Assert.Single(network.Log());
    }
}
