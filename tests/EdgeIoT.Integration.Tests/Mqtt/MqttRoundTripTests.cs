using System.Diagnostics;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static EdgeIoT.Integration.Tests.Mqtt.MqttTestKit;

namespace EdgeIoT.Integration.Tests.Mqtt;

/// <summary>Publish and subscribe through a real mosquitto broker shared by the class.</summary>
public sealed class MqttRoundTripTests(MosquittoBroker broker, ITestOutputHelper output) : IClassFixture<MosquittoBroker>
{
    private readonly TestLogger _log = new(output);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_message_published_at_QoS_arrives_with_topic_payload_and_QoS(int qos)
    {
        string topic = NewTopicPrefix() + "/zones/z1/tx";
        var inbox = new Inbox();
        await using var subscriber = await ConnectedClientAsync(Options(broker, "sub"), _log, inbox);
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await subscriber.SubscribeAsync(topic, qos);

        await publisher.PublishAsync(topic, Utf8("hello"), qos, CancellationToken.None).WaitAsync(WaitLimit);
        Assert.True(publisher.TryPublish(topic, Utf8("again"), qos));

        var first = await inbox.NextAsync();
        var second = await inbox.NextAsync();
        Assert.Equal((topic, "hello", qos, false), (first.Topic, first.Text(), first.Qos, first.Retain));
        Assert.Equal("again", second.Text());
        await EventuallyAsync(() => publisher.PendingPublishes == 0, "the PUBACK of the TryPublish message");
        Assert.Equal(0, publisher.PublishFailures);
        Assert.Empty(_log.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Wildcard_filters_match_whole_levels_only()
    {
        string p = NewTopicPrefix();
        var inbox = new Inbox();
        await using var subscriber = await ConnectedClientAsync(Options(broker, "sub"), _log, inbox);
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await subscriber.SubscribeAsync($"{p}/zones/+/tx", 1);
        await subscriber.SubscribeAsync($"{p}/devices/#", 1);

        string[] published =
        [
            $"{p}/zones/z1/tx", $"{p}/zones/z2/tx", $"{p}/zones/z1/notices", $"{p}/zones/z1/tx/extra",
            $"{p}/zones/tx", $"{p}/devices/d-1/response", $"{p}/devices/d-1/error", $"{p}/devices",
            $"{p}/other/d-1/response",
        ];
        foreach (var topic in published)
            await publisher.PublishAsync(topic, Utf8(topic), 1, CancellationToken.None).WaitAsync(WaitLimit);
        // mosquitto forwards one publisher's messages to a subscriber in order, so once the marker is
        // in, every matching message before it is too.
        string marker = $"{p}/devices/end";
        await publisher.PublishAsync(marker, Utf8("end"), 1, CancellationToken.None).WaitAsync(WaitLimit);

        var received = await inbox.ReadUntilAsync(m => m.Topic == marker);
        Assert.Equal(
            [$"{p}/devices", $"{p}/devices/d-1/error", $"{p}/devices/d-1/response", $"{p}/devices/end", $"{p}/zones/z1/tx", $"{p}/zones/z2/tx"],
            received.Select(m => m.Topic).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_subscription_made_before_connecting_completes_once_connected()
    {
        string topic = NewTopicPrefix() + "/early";
        var inbox = new Inbox();
        await using var subscriber = new MqttClient(Options(broker, "early"), _log) { MessageReceived = inbox.Add };
        var subscribed = subscriber.SubscribeAsync(topic, 1, CancellationToken.None);
        Assert.False(subscribed.IsCompleted);
        await subscriber.ConnectAsync(CancellationToken.None).WaitAsync(WaitLimit);
        await subscribed.WaitAsync(WaitLimit);

        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await publisher.PublishAsync(topic, Utf8("x"), 1, CancellationToken.None).WaitAsync(WaitLimit);
        Assert.Equal("x", (await inbox.NextAsync()).Text());
    }

    [Fact]
    public async Task Interoperates_with_the_mosquitto_command_line_clients()
    {
        string p = NewTopicPrefix();
        var inbox = new Inbox();
        await using var client = await ConnectedClientAsync(Options(broker, "interop"), _log, inbox);
        await client.SubscribeAsync($"{p}/from-cli", 1);

        await RunAsync("/usr/bin/mosquitto_pub", "-h", MosquittoBroker.Host, "-p", $"{broker.Port}", "-q", "1", "-t", $"{p}/from-cli", "-m", "from mosquitto_pub");
        Assert.Equal("from mosquitto_pub", (await inbox.NextAsync()).Text());

        // Retained, so mosquitto_sub gets it whenever its subscription lands.
        Assert.True(client.TryPublish($"{p}/to-cli", Utf8("from MqttClient"), 1, retain: true));
        string printed = await RunAsync("/usr/bin/mosquitto_sub", "-h", MosquittoBroker.Host, "-p", $"{broker.Port}", "-q", "1", "-t", $"{p}/to-cli", "-C", "1", "-W", "15");
        Assert.Equal("from MqttClient", printed.Trim());
    }

    private static async Task<string> RunAsync(string executable, params string[] arguments)
    {
        var info = new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(WaitLimit);
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"{executable} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
