using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Net;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.Net;

/// <summary>PeerLinks over real loopback sockets. Every wait is a condition with a deadline, never a bare sleep.</summary>
public sealed class PeerLinksTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly List<Cluster> _clusters = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _clusters) await cluster.DisposeAsync();
    }

    private Cluster NewCluster(int gateways, Func<int, PeerLinksOptions>? options = null)
    {
        var cluster = new Cluster(gateways, output, options ?? (_ => new PeerLinksOptions()));
        _clusters.Add(cluster);
        return cluster;
    }

    [Fact]
    public async Task Every_broadcast_reaches_every_other_gateway_in_per_sender_order()
    {
        const int messages = 2000;
        var cluster = NewCluster(4);
        await cluster.StartAllAsync();
        // Broadcast at once, before links are up: frames wait in the queues until the diallers connect.
        for (var seq = 0; seq < messages; seq++)
            foreach (var node in cluster.Nodes)
                node.Links!.Broadcast(Message(node.Index, seq, padBytes: 100));

        await WaitUntil(() => cluster.Nodes.All(n => n.Received == 3 * messages), "all broadcasts delivered");
        foreach (var node in cluster.Nodes)
        {
            Assert.Empty(node.OrderViolations);
            for (var peer = 0; peer < 4; peer++)
                if (peer != node.Index) Assert.Equal(messages, node.NextSeq[peer]);
            var stats = node.Links!.Stats;
            Assert.All(stats.Peers.Where(p => p.PeerIndex != node.Index), p => Assert.Equal(messages, p.FramesReceived));
            Assert.All(stats.Peers.Where(p => p.PeerIndex != node.Index), p => Assert.Equal(0, p.FramesDropped));
        }
        Assert.Empty(cluster.Log.Errors);
    }

    [Fact]
    public async Task A_restarted_gateway_is_redialled_by_its_peers_and_traffic_resumes()
    {
        var cluster = NewCluster(4);
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();

        await cluster.Nodes[3].StopAsync();
        await WaitUntil(() => cluster.Nodes.Take(3).All(n => !n.Links!.Stats[3].OutboundConnected), "peers notice gateway 3 is gone");
        await cluster.Nodes[3].StartAsync(); // same port, same key

        // Probe until every pair has exchanged a message after the restart: the restarted node must be
        // redialled by the others, and must dial them, without anyone being told.
        var heard = new ConcurrentDictionary<(int To, int From), bool>();
        foreach (var node in cluster.Nodes) node.OnMessage = (from, _) => heard[(node.Index, from)] = true;
        await WaitUntil(() =>
        {
            foreach (var node in cluster.Nodes) node.Links!.Broadcast(new byte[] { 0xAB });
            return Enumerable.Range(0, 3).All(i => heard.ContainsKey((3, i)) && heard.ContainsKey((i, 3)));
        }, "traffic to and from the restarted gateway", pollMs: 50);

        foreach (var node in cluster.Nodes.Take(3))
            Assert.True(node.Links!.Stats[3].Reconnects >= 1, $"gateway {node.Index} should count a reconnect to gateway 3");
        Assert.Empty(cluster.Log.Errors);
    }

    public static TheoryData<string> HostileInputs => ["http", "oversized-length", "forged-mac", "wrong-recipient", "unknown-sender"];

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public async Task A_stranger_sending_bad_bytes_is_disconnected_and_the_gateway_keeps_working(string kind)
    {
        var cluster = NewCluster(4);
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();
        var target = cluster.Nodes[0];
        var bytes = kind switch
        {
            "http" => "GET / HTTP/1.1\r\nHost: gateway\r\n\r\n"u8.ToArray(),
            "oversized-length" => [0x7F, 0xFF, 0xFF, 0xFF, 0, 1, 0, 0],
            "forged-mac" => PeerFrame.Encode(RandomKey(), from: 1, to: 0, "forged"u8),
            "wrong-recipient" => PeerFrame.Encode(RandomKey(), from: 1, to: 2, "misrouted"u8),
            "unknown-sender" => PeerFrame.Encode(RandomKey(), from: 9, to: 0, "who"u8),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        using var stranger = new TcpClient();
        await stranger.ConnectAsync(IPAddress.Loopback, target.Port);
        await stranger.GetStream().WriteAsync(bytes);
        await AssertDisconnectedAsync(stranger);

        Assert.Equal(1, target.Links!.Stats.InboundRejected);
        if (kind == "forged-mac") Assert.Equal(1, target.Links.Stats[1].AuthFailures);
        // The genuine link from gateway 1 was never displaced and still delivers.
        var before = target.Received;
        cluster.Nodes[1].Links!.Send(0, Message(1, target.NextSeq[1], padBytes: 10));
        await WaitUntil(() => target.Received == before + 1, "gateway 1 still reaches gateway 0");
        Assert.Empty(target.OrderViolations);
        Assert.True(target.Links.Stats[1].InboundConnected);
    }

    [Fact]
    public async Task A_stranger_that_never_authenticates_is_disconnected_after_the_auth_timeout()
    {
        var cluster = NewCluster(2, _ => new PeerLinksOptions { InboundAuthTimeoutMs = 300 });
        await cluster.StartAllAsync();
        using var stranger = new TcpClient();
        // Timed from before the connect: the gateway's timer starts when it accepts, and on a loaded
        // machine the connect and write may take much of the 300 ms.
        var watch = Stopwatch.StartNew();
        await stranger.ConnectAsync(IPAddress.Loopback, cluster.Nodes[0].Port);
        await stranger.GetStream().WriteAsync(new byte[] { 0, 0, 1 }); // a partial length, then silence
        await AssertDisconnectedAsync(stranger);
        Assert.True(watch.ElapsedMilliseconds >= 250, $"closed after {watch.ElapsedMilliseconds} ms, before the timeout");
        Assert.Equal(1, cluster.Nodes[0].Links!.Stats.InboundRejected);
    }

    [Fact]
    public async Task A_newer_authenticated_connection_from_a_peer_replaces_the_older_one()
    {
        var cluster = NewCluster(2);
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();
        var target = cluster.Nodes[0];

        // Play gateway 1 over a second connection with its real key, as a restarted gateway 1 would.
        using var keys = PeerMacKeys.Derive(cluster.Zone, 1, cluster.Identities[1]);
        using var hmac = keys.CreateHmac(0);
        var impostor = new TcpClient();
        await impostor.ConnectAsync(IPAddress.Loopback, target.Port);
        var payload = Message(1, target.NextSeq[1], padBytes: 0);
        var frame = new byte[PeerFrame.FrameSize(payload.Length)];
        PeerFrame.Encode(hmac, 1, 0, payload, frame);
        var before = target.Received;
        await impostor.GetStream().WriteAsync(frame);
        await WaitUntil(() => target.Received == before + 1, "the newer connection's frame is delivered");

        // Gateway 1's own link was closed in favour of the newer one; it redials, and its connection in turn
        // replaces the newer one, which is closed.
        await AssertDisconnectedAsync(impostor);
        await WaitUntil(() => cluster.Nodes[1].Links!.Stats[0].Reconnects >= 1 && cluster.Nodes[1].Links!.Stats[0].OutboundConnected, "gateway 1 redials");
        before = target.Received;
        cluster.Nodes[1].Links!.Send(0, Message(1, target.NextSeq[1], padBytes: 0));
        await WaitUntil(() => target.Received == before + 1, "gateway 1 delivers again");
        Assert.Empty(target.OrderViolations);
        impostor.Dispose();
    }

    [Fact]
    public async Task Frames_larger_than_the_write_and_receive_buffers_arrive_intact_and_in_order()
    {
        var cluster = NewCluster(2, _ => new PeerLinksOptions { MaxFrameBytes = 4 * 1024 * 1024 });
        await cluster.StartAllAsync();
        var sizes = new[] { 100, 70_000, 12, 3 * 1024 * 1024, 65_536 - PeerFrame.HeaderSize, 65_536, 1, 500_000, 7 };
        var sent = sizes.Select((size, i) =>
        {
            var payload = Message(0, i, padBytes: size);
            new Random(i).NextBytes(payload.AsSpan(12));
            return payload;
        }).ToArray();
        var received = new ConcurrentQueue<byte[]>();
        cluster.Nodes[1].OnMessage = (_, payload) => received.Enqueue(payload.ToArray());
        foreach (var payload in sent) Assert.True(cluster.Nodes[0].Links!.Send(1, payload));

        await WaitUntil(() => received.Count == sent.Length, "large frames delivered");
        Assert.Equal(sent, received.ToArray());
        Assert.Empty(cluster.Nodes[1].OrderViolations);
    }

    [Fact]
    public async Task Send_refuses_without_blocking_when_the_queue_is_full_or_the_payload_is_too_large()
    {
        const int capacity = 8;
        var cluster = NewCluster(2, _ => new PeerLinksOptions { QueueCapacity = capacity, MaxFrameBytes = 4096 });
        await cluster.Nodes[0].StartAsync(); // gateway 1 never starts, so nothing drains the queue

        var watch = Stopwatch.StartNew();
        var accepted = 0;
        for (var i = 0; i < 10_000; i++)
            if (cluster.Nodes[0].Links!.Send(1, new byte[100])) accepted++;
        var elapsedMs = watch.ElapsedMilliseconds;

        Assert.Equal(capacity, accepted);
        Assert.True(elapsedMs < 2000, $"10 000 refused sends took {elapsedMs} ms");
        var links = cluster.Nodes[0].Links!;
        Assert.False(links.Send(1, new byte[links.MaxPayloadBytes + 1]));
        Assert.False(links.Send(1, ReadOnlyMemory<byte>.Empty));
        var stats = links.Stats[1];
        Assert.Equal(10_000 - capacity + 2, stats.FramesDropped);
        Assert.Equal(capacity, stats.QueuedFrames);
        Assert.False(stats.OutboundConnected);
    }

    [Fact]
    public async Task The_delay_option_holds_every_frame_for_at_least_the_configured_time_and_keeps_order()
    {
        const int delayMs = 150;
        const int messages = 200;
        var cluster = NewCluster(2, i => i == 0 ? new PeerLinksOptions { SendDelayMsFor = _ => delayMs } : new PeerLinksOptions());
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();

        var sentAt = new long[messages];
        var latenciesMs = new ConcurrentQueue<double>();
        var receiver = cluster.Nodes[1];
        receiver.OnMessage = (_, payload) =>
        {
            var slot = BinaryPrimitives.ReadInt32BigEndian(payload.Span[8..]);
            latenciesMs.Enqueue(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[slot])).TotalMilliseconds);
        };
        var firstSeq = receiver.NextSeq[0];
        for (var i = 0; i < messages; i++)
        {
            Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
            Assert.True(cluster.Nodes[0].Links!.Send(1, Message(0, firstSeq + i, padBytes: 0, slot: i)));
            if (i % 20 == 0) await Task.Delay(5); // spread sends so frames fall due at different times
        }
        await WaitUntil(() => latenciesMs.Count == messages, "delayed frames delivered");

        Assert.Empty(receiver.OrderViolations);
        var sorted = latenciesMs.Order().ToArray();
        output.WriteLine($"one-way latency with {delayMs} ms injected: min {sorted[0]:F1} ms, median {sorted[messages / 2]:F1} ms, max {sorted[^1]:F1} ms");
        Assert.True(sorted[0] >= delayMs, $"a frame arrived after {sorted[0]:F1} ms, before the {delayMs} ms delay");
    }

    [Fact]
    public async Task Dispose_returns_promptly_under_load_and_with_a_stuck_handler()
    {
        var cluster = NewCluster(2, _ => new PeerLinksOptions { DisposeTimeoutMs = 1000 });
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Nodes[1].OnMessage = (_, _) => { entered.TrySetResult(); release.Wait(); };
        for (var i = 0; i < 1000; i++) cluster.Nodes[0].Links!.Send(1, new byte[1024]);
        await entered.Task.WaitAsync(Deadline);

        var watch = Stopwatch.StartNew();
        await cluster.Nodes[0].StopAsync();
        await cluster.Nodes[1].StopAsync();
        output.WriteLine($"disposing both nodes took {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.ElapsedMilliseconds < 5000, $"dispose took {watch.ElapsedMilliseconds} ms");
        release.Set();
        Assert.False(cluster.Nodes[0].Links!.Send(1, new byte[1]));
    }

    [Fact]
    public async Task Throughput_of_1KB_frames_between_two_gateways()
    {
        var cluster = NewCluster(2);
        await cluster.StartAllAsync();
        await cluster.WaitFullyConnectedAsync();
        var receiver = cluster.Nodes[1];
        long received = 0;
        receiver.OnMessage = (_, _) => Interlocked.Increment(ref received);
        var payload = new byte[1024];
        var sender = cluster.Nodes[0].Links!;

        var duration = TimeSpan.FromSeconds(3);
        long accepted = 0, refused = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            if (sender.Send(1, payload)) accepted++;
            else
            {
                // Back off rather than spin: on two cores a spinning producer starves the writer it waits for.
                refused++;
                await Task.Delay(1);
            }
        }
        await WaitUntil(() => Interlocked.Read(ref received) == accepted, "every accepted frame delivered");
        var seconds = watch.Elapsed.TotalSeconds;
        output.WriteLine($"1 KB frames, gateway 0 -> 1 over loopback: {accepted / seconds:N0} frames/s, " +
                         $"{accepted * (1024 + PeerFrame.HeaderSize) / seconds / (1 << 20):F1} MiB/s on the wire; " +
                         $"{accepted:N0} delivered in {seconds:F2} s; queue full {refused:N0} times (producer backed off 1 ms each)");
        Assert.Equal(0, cluster.Nodes[1].Links!.Stats.InboundRejected);
    }

    private static byte[] RandomKey()
    {
        var key = new byte[32];
        Random.Shared.NextBytes(key);
        return key;
    }

    /// <summary>sender (u32) | seq (u32) | slot (u32) | padding.</summary>
    private static byte[] Message(int sender, int seq, int padBytes, int slot = 0)
    {
        var bytes = new byte[12 + padBytes];
        BinaryPrimitives.WriteInt32BigEndian(bytes, sender);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), seq);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), slot);
        return bytes;
    }

    private static async Task AssertDisconnectedAsync(TcpClient client)
    {
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0) { }
        }
        catch (IOException) { } // a reset is a disconnect too
        catch (OperationCanceledException)
        {
            Assert.Fail("the gateway did not close the connection");
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what, int pollMs = 10)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Deadline) Assert.Fail($"timed out after {Deadline.TotalSeconds} s waiting for: {what}");
            await Task.Delay(pollMs);
        }
    }

    /// <summary>A zone of gateways on loopback with fresh keys and free ports.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        public SigningKey[] Identities { get; }
        public ZoneInfo Zone { get; }
        public Node[] Nodes { get; }
        public TestLog Log { get; }

        public Cluster(int gateways, ITestOutputHelper output, Func<int, PeerLinksOptions> options)
        {
            Log = new TestLog(output);
            Identities = [.. Enumerable.Range(0, gateways).Select(_ => SigningKey.Generate())];
            var ports = FreePorts(gateways);
            Zone = new ZoneInfo
            {
                Id = "z-test",
                FaultyGateways = (gateways - 1) / 3,
                Gateways = [.. Enumerable.Range(0, gateways).Select(i => new GatewayInfo
                {
                    Id = $"g{i}", Index = i, PublicKey = KeyText.Format(Identities[i].PublicKey), PeerHost = "127.0.0.1", PeerPort = ports[i],
                })],
            };
            Nodes = [.. Enumerable.Range(0, gateways).Select(i => new Node(this, i, options(i)))];
        }

        public async Task StartAllAsync()
        {
            foreach (var node in Nodes) await node.StartAsync();
        }

        public Task WaitFullyConnectedAsync() => WaitUntil(() => Nodes.All(n =>
            n.Links!.Stats.Peers.Where(p => p.PeerIndex != n.Index).All(p => p.OutboundConnected && p.InboundConnected)), "every link up");

        /// <summary>Holds every listener open until all ports are chosen, so the ports differ.</summary>
        private static int[] FreePorts(int count)
        {
            var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
            foreach (var l in listeners) l.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            foreach (var l in listeners) l.Stop();
            return ports;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in Nodes) await node.StopAsync();
            foreach (var key in Identities) key.Dispose();
        }
    }

    /// <summary>One gateway's links plus what it received, checked for per-sender order as it arrives.</summary>
    private sealed class Node(Cluster cluster, int index, PeerLinksOptions options)
    {
        private long _received;
        public int Index { get; } = index;
        public int Port => cluster.Zone.Gateways[Index].PeerPort;
        public PeerLinks? Links { get; private set; }
        public int[] NextSeq { get; } = new int[cluster.Zone.Gateways.Count];
        public ConcurrentQueue<string> OrderViolations { get; } = new();
        public long Received => Interlocked.Read(ref _received);
        /// <summary>Extra observer; runs after the order check.</summary>
        public Action<int, ReadOnlyMemory<byte>>? OnMessage { get; set; }

        public async Task StartAsync()
        {
            Links = new PeerLinks(cluster.Zone, Index, cluster.Identities[Index], options, Handle, cluster.Log.For($"g{Index}"));
            await Links.StartAsync(CancellationToken.None);
        }

        public async Task StopAsync()
        {
            if (Links is not null) await Links.DisposeAsync();
        }

        private void Handle(int from, ReadOnlyMemory<byte> payload)
        {
            if (payload.Length >= 8)
            {
                var sender = BinaryPrimitives.ReadInt32BigEndian(payload.Span);
                var seq = BinaryPrimitives.ReadInt32BigEndian(payload.Span[4..]);
                // Called one at a time per sender, so NextSeq[from] needs no lock.
                if (sender != from) OrderViolations.Enqueue($"frame from {from} claims sender {sender}");
                else if (seq != NextSeq[from]) OrderViolations.Enqueue($"from {from}: expected seq {NextSeq[from]}, got {seq}");
                else NextSeq[from]++;
                Interlocked.Increment(ref _received);
            }
            OnMessage?.Invoke(from, payload);
        }
    }

    /// <summary>Writes to the test output and remembers errors, so a test can fail when anything logged one.</summary>
    private sealed class TestLog(ITestOutputHelper output)
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger For(string name) => new Logger(this, name);

        private void Write(LogLevel level, string name, string message, Exception? exception)
        {
            var line = $"[{DateTime.UtcNow:HH:mm:ss.fff} {level} {name}] {message}{(exception is null ? "" : " " + exception)}";
            if (level >= LogLevel.Error) Errors.Enqueue(line);
            try { output.WriteLine(line); }
            catch (InvalidOperationException) { } // background loops may log after the test has finished
        }

        private sealed class Logger(TestLog log, string name) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) log.Write(logLevel, name, formatter(state, exception), exception);
            }
        }
    }
}
