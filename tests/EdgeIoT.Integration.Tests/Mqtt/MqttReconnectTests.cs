using EdgeIoT.Core.Mqtt;
using EdgeIoT.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static EdgeIoT.Integration.Tests.Mqtt.MqttTestKit;

namespace EdgeIoT.Integration.Tests.Mqtt;

/// <summary>Broker outages: each test owns its broker because it stops it.</summary>
public sealed class MqttReconnectTests(ITestOutputHelper output)
{
    private readonly TestLogger _log = new(output);

    [Fact]
    public async Task After_a_broker_restart_clients_reconnect_resubscribe_and_messages_flow_again()
    {
        using var broker = await MosquittoBroker.StartNewAsync();
        string topic = NewTopicPrefix() + "/zones/z1/tx";
        var inbox = new Inbox();
        await using var subscriber = await ConnectedClientAsync(Options(broker, "sub"), _log, inbox);
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        var subscriberLost = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.Disconnected += _ => throw new InvalidOperationException("a buggy handler must not stop the reconnect");
        subscriber.Disconnected += rc => subscriberLost.TrySetResult(rc);
        var publisherLost = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.Disconnected += rc => publisherLost.TrySetResult(rc);
        await subscriber.SubscribeAsync(topic, 1);
        await publisher.PublishAsync(topic, Utf8("before"), 1, CancellationToken.None).WaitAsync(WaitLimit);
        Assert.Equal("before", (await inbox.NextAsync()).Text());

        broker.Stop();
        Assert.NotEqual(0, await subscriberLost.Task.WaitAsync(WaitLimit));
        Assert.NotEqual(0, await publisherLost.Task.WaitAsync(WaitLimit));
        Assert.False(publisher.IsConnected);
        Assert.False(publisher.TryPublish(topic, Utf8("dropped"), 1));
        Assert.Equal(1, publisher.PublishFailures);
        // QoS 1 is accepted while disconnected: libmosquitto keeps it and sends it after reconnecting.
        var queued = publisher.PublishAsync(topic, Utf8("queued"), 1, CancellationToken.None);

        await broker.StartAsync();
        await EventuallyAsync(() => subscriber.Connections == 2 && publisher.Connections == 2, "both clients to reconnect");
        await queued.WaitAsync(WaitLimit);

        // The subscriber's re-sent SUBSCRIBE races the publisher's first messages, so probe until one
        // arrives; "queued" may or may not get through, depending on that race.
        using var stopProbing = new CancellationTokenSource();
        var probing = Task.Run(async () =>
        {
            for (int i = 0; !stopProbing.IsCancellationRequested; i++)
            {
                publisher.TryPublish(topic, Utf8($"after-{i}"), 1);
                await Task.Delay(50, CancellationToken.None);
            }
        });
        var received = await inbox.ReadUntilAsync(m => m.Text().StartsWith("after-", StringComparison.Ordinal));
        await stopProbing.CancelAsync();
        await probing.WaitAsync(WaitLimit);
        Assert.All(received[..^1], m => Assert.Equal("queued", m.Text()));
        Assert.True(subscriber.IsConnected && publisher.IsConnected);
        Assert.Equal(1, subscriber.HandlerFailures);
        Assert.All(_log.AtLeast(LogLevel.Error), e => Assert.IsType<InvalidOperationException>(e.Exception));
    }

    [Fact]
    public async Task ConnectAsync_waits_for_a_broker_that_is_down_at_first()
    {
        using var broker = await MosquittoBroker.StartNewAsync();
        broker.Stop();
        await using var client = new MqttClient(Options(broker, "early-bird"), _log);
        var connecting = client.ConnectAsync(CancellationToken.None);
        Assert.False(connecting.IsCompleted);
        Assert.False(client.IsConnected);

        await broker.StartAsync();
        await connecting.WaitAsync(WaitLimit);
        Assert.True(client.IsConnected);
        Assert.Equal(1, client.Connections);
    }

    [Fact]
    public async Task Disposing_while_the_broker_is_down_returns_promptly()
    {
        using var broker = await MosquittoBroker.StartNewAsync();
        var client = await ConnectedClientAsync(Options(broker, "orphan"), _log);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += _ => lost.TrySetResult();
        broker.Kill();
        await lost.Task.WaitAsync(WaitLimit);
        var pending = client.PublishAsync("t", Utf8("never acknowledged"), 1, CancellationToken.None);

        var disposing = client.DisposeAsync().AsTask();
        Assert.Same(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(5))));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
    }
}
