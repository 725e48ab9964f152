using System.Diagnostics;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static EdgeIoT.Integration.Tests.Mqtt.MqttTestKit;

namespace EdgeIoT.Integration.Tests.Mqtt;

/// <summary>Bad input, failing handlers, back-pressure and teardown under load.</summary>
public sealed class MqttRobustnessTests(MosquittoBroker broker, ITestOutputHelper output) : IClassFixture<MosquittoBroker>
{
    private readonly TestLogger _log = new(output);

    [Fact]
    public async Task An_oversized_inbound_message_is_dropped_and_counted_and_later_messages_arrive()
    {
        string topic = NewTopicPrefix() + "/big";
        var inbox = new Inbox();
        var subscriberOptions = Options(broker, "small");
        subscriberOptions.MaxPayloadBytes = 1024;
        await using var subscriber = await ConnectedClientAsync(subscriberOptions, _log, inbox);
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await subscriber.SubscribeAsync(topic, 1);

        await publisher.PublishAsync(topic, new byte[1025], 1, CancellationToken.None).WaitAsync(WaitLimit);
        await publisher.PublishAsync(topic, new byte[1024], 1, CancellationToken.None).WaitAsync(WaitLimit);
        await publisher.PublishAsync(topic, Utf8("small"), 1, CancellationToken.None).WaitAsync(WaitLimit);

        Assert.Equal(1024, (await inbox.NextAsync()).Payload.Length);
        Assert.Equal("small", (await inbox.NextAsync()).Text());
        Assert.Equal(1, subscriber.OversizedMessagesDropped);
        Assert.Equal(3, subscriber.MessagesReceived);
        Assert.Equal(2, inbox.Count);
        Assert.True(subscriber.IsConnected);
        Assert.Single(_log.AtLeast(LogLevel.Warning), e => e.Message.Contains("exceed MaxPayloadBytes 1024"));
    }

    [Fact]
    public async Task A_throwing_MessageReceived_handler_is_contained_and_later_messages_arrive()
    {
        string topic = NewTopicPrefix() + "/handler";
        var inbox = new Inbox();
        int calls = 0;
        await using var subscriber = await ConnectedClientAsync(Options(broker, "fragile"), _log);
        subscriber.MessageReceived = message =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("handler bug");
            inbox.Add(message);
        };
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await subscriber.SubscribeAsync(topic, 1);

        foreach (var text in new[] { "first", "second", "third" })
            await publisher.PublishAsync(topic, Utf8(text), 1, CancellationToken.None).WaitAsync(WaitLimit);

        Assert.Equal("second", (await inbox.NextAsync()).Text());
        Assert.Equal("third", (await inbox.NextAsync()).Text());
        Assert.Equal(1, subscriber.HandlerFailures);
        var logged = Assert.Single(_log.AtLeast(LogLevel.Error));
        Assert.IsType<InvalidOperationException>(logged.Exception);
        Assert.True(subscriber.IsConnected);
    }

    [Fact]
    public async Task A_throwing_Connected_handler_is_contained_and_the_next_handler_still_runs()
    {
        await using var client = new MqttClient(Options(broker, "events"), _log);
        int connectedCalls = 0;
        client.Connected += () => throw new InvalidOperationException("first handler bug");
        client.Connected += () => Interlocked.Increment(ref connectedCalls);
        await client.ConnectAsync(CancellationToken.None).WaitAsync(WaitLimit);
        await EventuallyAsync(() => Volatile.Read(ref connectedCalls) == 1, "the second Connected handler");
        Assert.Equal(1, client.HandlerFailures);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task TryPublish_refuses_once_MaxPendingPublishes_await_acknowledgement()
    {
        using var frozen = await MosquittoBroker.StartNewAsync();
        var options = Options(frozen, "bounded");
        options.MaxPendingPublishes = 5;
        await using var client = await ConnectedClientAsync(options, _log);

        frozen.Pause();
        try
        {
            for (int i = 0; i < 5; i++) Assert.True(client.TryPublish("bounded", Utf8($"{i}"), 1));
            Assert.False(client.TryPublish("bounded", Utf8("one too many"), 1));
            await Assert.ThrowsAsync<MqttException>(() => client.PublishAsync("bounded", Utf8("async too"), 1, CancellationToken.None));
            Assert.False(client.TryPublish("bounded", Utf8("nor QoS 0"), 0));
            Assert.Equal(5, client.PendingPublishes);
            Assert.Equal(3, client.PublishFailures);
        }
        finally
        {
            frozen.Resume();
        }
        await EventuallyAsync(() => client.PendingPublishes == 0, "the broker to acknowledge the pending publishes");
        Assert.True(client.TryPublish("bounded", Utf8("room again"), 1));
    }

    [Fact]
    public async Task DisposeAsync_while_messages_are_in_flight_neither_crashes_nor_hangs()
    {
        string topic = NewTopicPrefix() + "/flood";
        var inbox = new Inbox();
        var subscriber = await ConnectedClientAsync(Options(broker, "sink"), _log, inbox);
        var publisher = await ConnectedClientAsync(Options(broker, "flood"), _log);
        await subscriber.SubscribeAsync(topic, 1);

        var acks = new List<Task>();
        using var stop = new CancellationTokenSource();
        var flooding = Task.Run(() =>
        {
            var payload = new byte[512];
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                if (i % 2 == 0) publisher.TryPublish(topic, payload, i % 4 == 0 ? 0 : 1);
                else if (acks.Count < 50_000) acks.Add(publisher.PublishAsync(topic, payload, 1, CancellationToken.None));
                if (i % 256 == 0) Thread.Yield();
            }
        });
        await EventuallyAsync(() => inbox.Count >= 500, "the flood to reach the subscriber");

        var elapsed = Stopwatch.StartNew();
        await Task.WhenAll(publisher.DisposeAsync().AsTask(), subscriber.DisposeAsync().AsTask()).WaitAsync(WaitLimit);
        output.WriteLine($"disposed both clients in {elapsed.ElapsedMilliseconds} ms with {inbox.Count} messages received");
        await stop.CancelAsync();
        await flooding.WaitAsync(WaitLimit);

        // Every PublishAsync has an outcome: acknowledged, refused for back-pressure, or failed because
        // of the disposal; none is left hanging.
        await Task.WhenAny(Task.WhenAll(acks)).WaitAsync(WaitLimit);
        Assert.All(acks, ack => Assert.True(
            ack.IsCompletedSuccessfully || ack.Exception?.InnerException is ObjectDisposedException or MqttException,
            ack.Exception?.ToString()));
        output.WriteLine($"{acks.Count(a => a.IsCompletedSuccessfully)} of {acks.Count} PublishAsync calls acknowledged, {publisher.PublishFailures} publishes refused");
        Assert.False(publisher.TryPublish(topic, Utf8("late"), 1));
        Assert.Equal(0, publisher.PendingPublishes);
        Assert.Empty(_log.AtLeast(LogLevel.Error));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // libmosquitto then calls on_log from inside mosquitto_publish, within the handler
    public async Task Disposing_from_inside_a_callback_returns_at_once(bool debugLogging)
    {
        string topic = NewTopicPrefix() + "/suicide";
        var logger = new TestLogger(debugLogging ? null : output, debugLogging ? LogLevel.Trace : LogLevel.Information);
        var handlerReturned = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = await ConnectedClientAsync(Options(broker, "suicide"), logger);
        client.MessageReceived = _ =>
        {
            var elapsed = Stopwatch.StartNew();
            client.TryPublish(topic + "/reply", Utf8("last words"), 1);
            client.Dispose();
            handlerReturned.TrySetResult(elapsed.Elapsed);
        };
        await client.SubscribeAsync(topic, 0);
        await using var publisher = await ConnectedClientAsync(Options(broker, "pub"), _log);
        await publisher.PublishAsync(topic, Utf8("bye"), 0, CancellationToken.None);

        var handlerTime = await handlerReturned.Task.WaitAsync(WaitLimit);
        Assert.True(handlerTime < TimeSpan.FromSeconds(2), $"Dispose inside the handler took {handlerTime}");
        await client.DisposeAsync().AsTask().WaitAsync(WaitLimit); // joins the teardown the callback started
        Assert.False(client.IsConnected);
        Assert.False(client.TryPublish(topic, Utf8("after"), 0));
        if (debugLogging) Assert.Contains(logger.Entries, e => e.Message.StartsWith("libmosquitto: ", StringComparison.Ordinal));
    }
}
