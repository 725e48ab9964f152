using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static EdgeIoT.Integration.Tests.Mqtt.MqttTestKit;

namespace EdgeIoT.Integration.Tests.Mqtt;

/// <summary>Run alone, so the numbers these tests print are not skewed by other tests on two cores.</summary>
[CollectionDefinition(nameof(MqttLoadTests), DisableParallelization = true)]
public sealed class MqttLoadCollection;

/// <summary>
/// mosquitto keeps at most max_queued_messages (default 1000) QoS 1/2 messages per subscriber beyond
/// those in flight and silently drops the rest, so a subscriber that falls briefly behind a fast
/// publisher loses messages with the stock configuration. These tests measure the client, not that
/// limit.
/// </summary>
public sealed class HighVolumeBroker() : MosquittoBroker("max_queued_messages 1000000");

/// <summary>Volume, concurrency and rough performance figures (printed, not asserted).</summary>
[Collection(nameof(MqttLoadTests))]
public sealed class MqttLoadTests(HighVolumeBroker broker, ITestOutputHelper output) : IClassFixture<HighVolumeBroker>
{
    private readonly TestLogger _log = new(output);

    [Fact]
    public async Task Ten_thousand_QoS1_messages_from_four_publisher_threads_all_arrive_exactly_once()
    {
        const int threads = 4;
        const int perThread = 2_500;
        string topic = NewTopicPrefix() + "/zones/z1/tx";
        var seen = new ConcurrentDictionary<int, int>();
        long duplicates = 0;
        var endMarker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = await ConnectedClientAsync(Options(broker, "sink"), _log);
        subscriber.MessageReceived = message =>
        {
            int id = BinaryPrimitives.ReadInt32LittleEndian(message.Payload.Span);
            if (id < 0) endMarker.TrySetResult();
            else if (!seen.TryAdd(id, 0)) Interlocked.Increment(ref duplicates);
        };
        await subscriber.SubscribeAsync(topic, 1);
        await using var publisher = await ConnectedClientAsync(Options(broker, "four-threads"), _log);

        var elapsed = Stopwatch.StartNew();
        var acks = new Task[threads][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = acks[t] = new Task[perThread];
            var payload = new byte[64];
            for (int i = 0; i < perThread; i++)
            {
                // Reusing the buffer is fine: PublishAsync copies the payload before returning.
                BinaryPrimitives.WriteInt32LittleEndian(payload, t * perThread + i);
                mine[i] = publisher.PublishAsync(topic, payload, 1, CancellationToken.None);
            }
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) Assert.True(worker.Join(WaitLimit));
        await Task.WhenAll(acks.SelectMany(a => a)).WaitAsync(WaitLimit);
        var acknowledgedMs = elapsed.ElapsedMilliseconds;

        // Published after every PUBACK, so mosquitto has already forwarded all the others before it.
        await publisher.PublishAsync(topic, BitConverter.GetBytes(-1), 1, CancellationToken.None).WaitAsync(WaitLimit);
        await endMarker.Task.WaitAsync(WaitLimit);
        output.WriteLine($"{threads * perThread} QoS 1 messages from {threads} threads: acknowledged after {acknowledgedMs} ms, all received after {elapsed.ElapsedMilliseconds} ms");

        Assert.Equal(threads * perThread, seen.Count);
        Assert.Equal(0, Interlocked.Read(ref duplicates));
        Assert.Equal(0, publisher.PublishFailures);
        Assert.Equal(0, publisher.PendingPublishes);
        Assert.Equal(threads * perThread + 1, subscriber.MessagesReceived);
        Assert.Empty(_log.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Measures_QoS1_publish_rate_and_end_to_end_latency()
    {
        string topic = NewTopicPrefix() + "/rate";
        const int messages = 50_000;
        const int window = 1_000;
        long received = 0;
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = await ConnectedClientAsync(Options(broker, "rate-sink"), _log);
        subscriber.MessageReceived = _ =>
        {
            if (Interlocked.Increment(ref received) == messages) allReceived.TrySetResult();
        };
        await subscriber.SubscribeAsync(topic, 1);
        await using var publisher = await ConnectedClientAsync(Options(broker, "rate"), _log);

        var payload = new byte[200];
        double alone = await PublishRateAsync(publisher, NewTopicPrefix() + "/nobody-listens", payload, messages, window);
        double withSubscriber = await PublishRateAsync(publisher, topic, payload, messages, window);
        await allReceived.Task.WaitAsync(WaitLimit);
        output.WriteLine($"QoS 1, {payload.Length}-byte payloads, one publishing thread, window {window}: {alone:N0} msg/s published and " +
            $"acknowledged with no subscriber, {withSubscriber:N0} msg/s with one subscriber receiving them all");

        // Latency: one message at a time, publish to delivery at the subscriber.
        var latenciesMs = new List<double>();
        var delivered = new SemaphoreSlim(0);
        subscriber.MessageReceived = _ => delivered.Release();
        for (int i = 0; i < 500; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Assert.True(publisher.TryPublish(topic, payload, 1));
            Assert.True(await delivered.WaitAsync(WaitLimit));
            latenciesMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        latenciesMs.Sort();
        output.WriteLine($"QoS 1 publish-to-delivery latency over {latenciesMs.Count} messages: p50 {latenciesMs[latenciesMs.Count / 2]:0.000} ms, " +
            $"p99 {latenciesMs[latenciesMs.Count * 99 / 100]:0.000} ms, max {latenciesMs[^1]:0.000} ms");

        Assert.Equal(0, publisher.PublishFailures);
        Assert.Empty(_log.AtLeast(LogLevel.Warning));
    }

    /// <returns>Messages per second, counted until the last PUBACK.</returns>
    private static async Task<double> PublishRateAsync(MqttClient publisher, string topic, byte[] payload, int messages, int window)
    {
        using var inFlight = new SemaphoreSlim(window);
        var elapsed = Stopwatch.StartNew();
        for (int i = 0; i < messages; i++)
        {
            await inFlight.WaitAsync();
            _ = publisher.PublishAsync(topic, payload, 1, CancellationToken.None).ContinueWith(
                static (_, state) => ((SemaphoreSlim)state!).Release(), inFlight, TaskContinuationOptions.ExecuteSynchronously);
        }
        for (int i = 0; i < window; i++) await inFlight.WaitAsync().WaitAsync(WaitLimit);
        return messages / elapsed.Elapsed.TotalSeconds;
    }

    [Fact]
    public async Task TryPublish_allocates_nothing_per_message_once_warmed_up()
    {
        using var frozen = await MosquittoBroker.StartNewAsync();
        string topic = NewTopicPrefix() + "/nobody-listens";
        await using var publisher = await ConnectedClientAsync(Options(frozen, "allocations"), _log);
        var payload = new byte[100];
        const int messages = 10_000;

        // Warm-up: with the broker frozen every QoS 1 message stays unacknowledged, so the client's
        // bookkeeping grows to hold all of them at once, as many as the measured run can ever have.
        frozen.Pause();
        try
        {
            for (int i = 0; i < messages; i++) Assert.True(publisher.TryPublish(topic, payload, 1));
        }
        finally
        {
            frozen.Resume();
        }
        await EventuallyAsync(() => publisher.PendingPublishes == 0, "the broker to acknowledge the warm-up");

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < messages; i++) Assert.True(publisher.TryPublish(topic, payload, i % 2));
        long bytesPerMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / messages;
        output.WriteLine($"TryPublish allocated {bytesPerMessage} bytes per message on the calling thread");
        // Any object allocated per message would cost at least 24 bytes.
        Assert.True(bytesPerMessage < 8, $"{bytesPerMessage} bytes allocated per TryPublish");
    }
}
