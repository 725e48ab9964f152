using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.Mqtt;

internal static class MqttTestKit
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public static string NewTopicPrefix() => "edgeiot-test/" + Guid.NewGuid().ToString("N")[..12];

    public static MqttClientOptions Options(MosquittoBroker broker, string name) => new()
    {
        Host = MosquittoBroker.Host,
        Port = broker.Port,
        ClientId = $"{name}-{Guid.NewGuid().ToString("N")[..8]}",
        // libmosquitto's delay unit is one second; keep reconnect tests short.
        ReconnectDelayMaxMs = 1000,
    };

    public static async Task<MqttClient> ConnectedClientAsync(MqttClientOptions options, ILogger? logger = null, Inbox? inbox = null)
    {
        var client = new MqttClient(options, logger);
        if (inbox is not null) client.MessageReceived = inbox.Add;
        try
        {
            using var cts = new CancellationTokenSource(WaitLimit);
            await client.ConnectAsync(cts.Token);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public static Task SubscribeAsync(this MqttClient client, string filter, int qos)
    {
        return client.SubscribeAsync(filter, qos, CancellationToken.None).WaitAsync(WaitLimit);
    }

    /// <summary>Polls a condition until it holds or the deadline passes (for state with no event to await).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? WaitLimit;
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > limit) throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting for {what}");
            await Task.Delay(10);
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(this MqttMessage message) => Encoding.UTF8.GetString(message.Payload.Span);
}

/// <summary>Collects messages delivered on the client's network thread for the test thread to await.</summary>
internal sealed class Inbox
{
    private readonly Channel<MqttMessage> _messages = Channel.CreateUnbounded<MqttMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add(MqttMessage message)
    {
        Interlocked.Increment(ref _count);
        _messages.Writer.TryWrite(message);
    }

    public async Task<MqttMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? MqttTestKit.WaitLimit);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no MQTT message arrived in time");
        }
    }

    /// <summary>Reads until a message satisfies <paramref name="match"/>; returns everything read, that one last.</summary>
    public async Task<List<MqttMessage>> ReadUntilAsync(Func<MqttMessage, bool> match, TimeSpan? timeout = null)
    {
        var read = new List<MqttMessage>();
        var elapsed = Stopwatch.StartNew();
        var limit = timeout ?? MqttTestKit.WaitLimit;
        while (true)
        {
            var remaining = limit - elapsed.Elapsed;
            if (remaining <= TimeSpan.Zero) throw new TimeoutException("the awaited MQTT message did not arrive in time");
            var message = await NextAsync(remaining);
            read.Add(message);
            if (match(message)) return read;
        }
    }
}

/// <summary>Records log entries so tests can assert on them, and echoes them to the test output.</summary>
internal sealed class TestLogger(ITestOutputHelper? output = null, LogLevel minimum = LogLevel.Information) : ILogger
{
    public sealed record Entry(LogLevel Level, string Message, Exception? Exception);

    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public IReadOnlyList<Entry> AtLeast(LogLevel level) => [.. _entries.Where(e => e.Level >= level)];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var entry = new Entry(logLevel, formatter(state, exception), exception);
        _entries.Enqueue(entry);
        try
        {
            output?.WriteLine($"[{logLevel}] {entry.Message}{(exception is null ? "" : " :: " + exception.GetType().Name + ": " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The network thread may log after the test has finished; xunit then refuses output.
        }
    }
}
