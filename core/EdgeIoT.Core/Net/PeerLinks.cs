using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeIoT.Core.Net;

/// <summary>
/// The authenticated TCP links between this gateway and the other gateways of its zone. Each gateway dials
/// one outbound connection per peer for what it sends and accepts inbound connections for what it
/// receives: two one-way connections per pair, so no side has to decide who dials whom and a restart on
/// either side heals by itself. Every frame is MAC'd with the pairwise key (<see cref="PeerFrame"/>); the
/// first frame of an inbound connection authenticates it, and anything a peer sends that is not an
/// acceptable frame closes that connection and nothing else.
/// </summary>
public sealed class PeerLinks : IAsyncDisposable
{
    /// <summary>
    /// An authenticated payload from <paramref name="fromIndex"/>. Called on the receive loop of that peer's
    /// inbound connection, one call at a time per peer and in the order the peer sent; calls for different
    /// peers may run concurrently. <paramref name="payload"/> is a fresh array the handler may keep. The
    /// handler should be quick: while it runs, that peer's connection is not read.
    /// </summary>
    public delegate void PeerMessageHandler(int fromIndex, ReadOnlyMemory<byte> payload);

    private readonly ZoneInfo _zone;
    private readonly int _selfIndex;
    private readonly PeerLinksOptions _options;
    private readonly PeerMessageHandler _onMessage;
    private readonly ILogger _logger;
    private readonly PeerMacKeys _keys;
    private readonly PeerCounters[] _counters;
    private readonly PeerConnection?[] _outbound;
    private readonly InboundSlot?[] _inbound;
    private readonly ConcurrentDictionary<InboundConnection, byte> _connections = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<Task> _loops = [];
    private readonly int _payloadBytesMax;
    private Socket? _listener;
    private long _inboundRejected;
    private int _unauthenticated;
    private int _started;
    private int _disposed;

    public PeerLinks(ZoneInfo zone, int selfIndex, SigningKey selfKey, PeerLinksOptions options, PeerMessageHandler onMessage, ILogger? logger = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid peer link options: " + string.Join("; ", problems), nameof(options));
        if (zone.Gateways.Count > PeerFrame.MaxGateways)
            throw new ArgumentException($"zone {zone.Id} has {zone.Gateways.Count} gateways; frames address at most {PeerFrame.MaxGateways}", nameof(zone));
        _zone = zone;
        _selfIndex = selfIndex;
        _options = options;
        _onMessage = onMessage;
        _logger = logger ?? NullLogger.Instance;
        _keys = PeerMacKeys.Derive(zone, selfIndex, selfKey);
        _payloadBytesMax = options.MaxFrameBytes - PeerFrame.HeaderSize;
        var count = zone.Gateways.Count;
        _counters = new PeerCounters[count];
        _outbound = new PeerConnection?[count];
        _inbound = new InboundSlot?[count];
        for (var i = 0; i < count; i++)
        {
            _counters[i] = new PeerCounters();
            if (i == selfIndex) continue;
            var peer = zone.Gateways[i];
            _outbound[i] = new PeerConnection(selfIndex, i, peer.PeerHost, peer.PeerPort, _keys, options, _counters[i], _logger);
            _inbound[i] = new InboundSlot();
        }
    }

    public int SelfIndex => _selfIndex;
    /// <summary>The listening endpoint once started (useful when the registry names port 0 in tests).</summary>
    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;
    /// <summary>Largest payload <see cref="Send"/> accepts.</summary>
    public int MaxPayloadBytes => _payloadBytesMax;

    /// <summary>
    /// Binds the listening socket (failing here if the port is taken) and starts the accept loop and one
    /// dialler per peer. <paramref name="ct"/> aborts starting only; the links run until disposed.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("peer links are already started");
        var self = _zone.Gateways[_selfIndex];
        var address = IPAddress.TryParse(self.PeerHost, out var parsed)
            ? parsed
            : (await Dns.GetHostAddressesAsync(self.PeerHost, ct)).First();
        ct.ThrowIfCancellationRequested();
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restarted gateway must get its port back while connections of its previous life sit in TIME_WAIT.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(address, self.PeerPort));
            listener.Listen(backlog: Math.Max(16, 2 * _zone.Gateways.Count));
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        PeerLinksLog.Listening(_logger, _selfIndex, _zone.Id, listener.LocalEndPoint?.ToString() ?? "?");
        var lifetime = _lifetime.Token;
        lock (_loops)
        {
            _loops.Add(Task.Run(() => AcceptLoopAsync(listener, lifetime), CancellationToken.None));
            foreach (var link in _outbound)
                if (link is not null) _loops.Add(Task.Run(() => link.RunAsync(lifetime), CancellationToken.None));
        }
    }

    /// <summary>
    /// Queues <paramref name="payload"/> for <paramref name="toIndex"/>. The links keep a reference to the
    /// payload until it is written, so the caller must not change it afterwards. Returns false, and counts a
    /// drop, when the peer's queue is full, the payload is empty (reserved for link control) or larger than
    /// <see cref="MaxPayloadBytes"/>, or the links are disposed. Never blocks; network trouble never throws.
    /// </summary>
    public bool Send(int toIndex, ReadOnlyMemory<byte> payload)
    {
        if ((uint)toIndex >= (uint)_outbound.Length || toIndex == _selfIndex)
            throw new ArgumentOutOfRangeException(nameof(toIndex), toIndex, $"not a peer of gateway {_selfIndex} in a zone of {_outbound.Length}");
        return Enqueue(_outbound[toIndex]!, toIndex, payload);
    }

    /// <summary>Queues <paramref name="payload"/> for every other gateway of the zone; the bytes are shared, not copied per peer.</summary>
    public void Broadcast(ReadOnlyMemory<byte> payload)
    {
        for (var i = 0; i < _outbound.Length; i++)
            if (_outbound[i] is { } link) Enqueue(link, i, payload);
    }

    private bool Enqueue(PeerConnection link, int toIndex, ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0 || payload.Length > _payloadBytesMax || !link.TryEnqueue(new OutboundFrame(payload, DueTimestamp(toIndex))))
        {
            Interlocked.Increment(ref link.Counters.FramesDropped);
            return false;
        }
        return true;
    }

    private long DueTimestamp(int toIndex)
    {
        var now = Stopwatch.GetTimestamp();
        var delayMs = _options.DelayMsFor(toIndex);
        return delayMs == 0 ? now : now + delayMs * Stopwatch.Frequency / 1000;
    }

    /// <summary>A snapshot of every link's state and counters.</summary>
    public PeerLinkStats Stats
    {
        get
        {
            var peers = new PeerLinkStat[_counters.Length];
            for (var i = 0; i < peers.Length; i++)
            {
                var c = _counters[i];
                peers[i] = new PeerLinkStat(
                    PeerIndex: i,
                    OutboundConnected: _outbound[i]?.Connected ?? false,
                    InboundConnected: _inbound[i]?.Current is not null,
                    QueuedFrames: _outbound[i]?.QueuedFrames ?? 0,
                    FramesSent: Interlocked.Read(ref c.FramesSent),
                    FramesReceived: Interlocked.Read(ref c.FramesReceived),
                    FramesDropped: Interlocked.Read(ref c.FramesDropped),
                    BytesSent: Interlocked.Read(ref c.BytesSent),
                    BytesReceived: Interlocked.Read(ref c.BytesReceived),
                    Reconnects: Interlocked.Read(ref c.Reconnects),
                    AuthFailures: Interlocked.Read(ref c.AuthFailures));
            }
            return new PeerLinkStats(_selfIndex, peers, Interlocked.Read(ref _inboundRejected));
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken lifetime)
    {
        while (!lifetime.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(lifetime);
            }
            catch (Exception) when (lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Typically EMFILE; pausing lets the process recover instead of spinning on the error.
                PeerLinksLog.AcceptFailed(_logger, _selfIndex, e.Message);
                try { await Task.Delay(_options.ReconnectDelayMinMs, lifetime); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            Admit(socket, lifetime);
        }
    }

    private void Admit(Socket socket, CancellationToken lifetime)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        if (Interlocked.Increment(ref _unauthenticated) > _options.MaxUnauthenticatedInbound)
        {
            Interlocked.Decrement(ref _unauthenticated);
            Interlocked.Increment(ref _inboundRejected);
            PeerLinksLog.InboundLimit(_logger, _selfIndex, remote, _options.MaxUnauthenticatedInbound);
            socket.Dispose();
            return;
        }
        try
        {
            PeerSockets.Configure(socket, _options);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Decrement(ref _unauthenticated);
            socket.Dispose();
            return;
        }
        var connection = new InboundConnection(socket, remote, _options.ReceiveBufferBytes);
        _connections.TryAdd(connection, 0);
        _ = Task.Run(() => ReceiveLoopAsync(connection, lifetime), CancellationToken.None);
    }

    private async Task ReceiveLoopAsync(InboundConnection connection, CancellationToken lifetime)
    {
        using var authDeadline = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        authDeadline.CancelAfter(_options.InboundAuthTimeoutMs);
        using var closeOnShutdown = lifetime.UnsafeRegister(static c => ((InboundConnection)c!).Close(), connection);
        using var decoder = new PeerFrameDecoder(_keys, _options.MaxFrameBytes);
        var why = "closed by peer";
        try
        {
            while (true)
            {
                var token = connection.Sender >= 0 ? lifetime : authDeadline.Token;
                var read = await connection.Socket.ReceiveAsync(connection.Buffer.AsMemory(connection.End), SocketFlags.None, token);
                if (read == 0) break;
                connection.End += read;
                if (connection.Sender >= 0) Interlocked.Add(ref _counters[connection.Sender].BytesReceived, read);
                if (!ConsumeFrames(connection, decoder, out var rejected))
                {
                    why = rejected;
                    break;
                }
                Debug.Assert(connection.End < connection.Buffer.Length, "a receive must always have room, or it reads 0 bytes and looks like a close");
            }
        }
        catch (OperationCanceledException) when (!lifetime.IsCancellationRequested && connection.Sender < 0)
        {
            why = $"no authenticated frame within {_options.InboundAuthTimeoutMs} ms";
            Interlocked.Increment(ref _inboundRejected);
            PeerLinksLog.InboundRejected(_logger, _selfIndex, connection.Remote, "AuthTimeout", why);
        }
        catch (Exception e) when (lifetime.IsCancellationRequested || connection.Replaced || e is SocketException or ObjectDisposedException)
        {
            why = lifetime.IsCancellationRequested ? "shutting down" : connection.Replaced ? "replaced by a newer connection" : e.Message;
        }
        catch (Exception e)
        {
            why = e.Message;
            PeerLinksLog.LoopFailed(_logger, _selfIndex, "inbound receive loop", e);
        }
        finally
        {
            Retire(connection, why);
        }
    }

    /// <summary>Decodes and delivers every whole frame in the buffer; false when the connection must close.</summary>
    private bool ConsumeFrames(InboundConnection connection, PeerFrameDecoder decoder, out string why)
    {
        why = "";
        while (true)
        {
            var pending = connection.Buffer.AsSpan(connection.Start, connection.End - connection.Start);
            switch (decoder.TryConsume(pending, out var frame))
            {
                case PeerFrameStatus.Frame:
                    if (connection.Sender < 0 && !Adopt(connection, frame.From))
                    {
                        why = "replaced by a newer connection";
                        return false;
                    }
                    if (frame.PayloadLength > 0 && !Deliver(connection, frame.From, pending.Slice(frame.PayloadOffset, frame.PayloadLength).ToArray()))
                    {
                        why = "replaced by a newer connection";
                        return false;
                    }
                    connection.Start += frame.FrameLength;
                    break;
                case PeerFrameStatus.NeedMoreData:
                    connection.MakeRoom(decoder.BytesNeeded, _options.ReceiveBufferBytes);
                    return true;
                default:
                    why = $"{decoder.Rejection}: {decoder.RejectionDetail}";
                    Interlocked.Increment(ref _inboundRejected);
                    // Blame a gateway only when the frame named one that exists; garbage names nobody.
                    var blamed = connection.Sender >= 0 ? connection.Sender : decoder.ClaimedSender;
                    if (blamed >= 0) Interlocked.Increment(ref _counters[blamed].AuthFailures);
                    PeerLinksLog.InboundRejected(_logger, _selfIndex, connection.Remote, decoder.Rejection.ToString(), decoder.RejectionDetail);
                    return false;
            }
        }
    }

    /// <summary>Makes an authenticated connection the current one of its sender, closing the older one.</summary>
    private bool Adopt(InboundConnection connection, int from)
    {
        var slot = _inbound[from]!;
        InboundConnection? older;
        lock (slot.Gate)
        {
            if (connection.Replaced) return false;
            older = slot.Current;
            slot.Current = connection;
            connection.Sender = from;
        }
        Interlocked.Decrement(ref _unauthenticated);
        Interlocked.Add(ref _counters[from].BytesReceived, connection.End);
        if (older is not null)
        {
            // The lock above waited for any delivery in progress on the older connection, and the flag makes
            // its loop stop before the next one, so this peer's messages are never delivered concurrently.
            older.Replaced = true;
            older.Close();
            PeerLinksLog.InboundReplaced(_logger, _selfIndex, from, connection.Remote);
        }
        else
        {
            PeerLinksLog.InboundAuthenticated(_logger, _selfIndex, from, connection.Remote);
        }
        return true;
    }

    private bool Deliver(InboundConnection connection, int from, byte[] payload)
    {
        var slot = _inbound[from]!;
        lock (slot.Gate)
        {
            if (connection.Replaced) return false;
            Interlocked.Increment(ref _counters[from].FramesReceived);
            try
            {
                _onMessage(from, payload);
            }
            catch (Exception e)
            {
                // The peer did nothing wrong; dropping its link would punish it for our bug.
                PeerLinksLog.HandlerFailed(_logger, _selfIndex, from, e);
            }
        }
        return true;
    }

    private void Retire(InboundConnection connection, string why)
    {
        connection.Close();
        if (connection.Sender >= 0)
        {
            var slot = _inbound[connection.Sender]!;
            lock (slot.Gate)
            {
                if (slot.Current == connection) slot.Current = null;
            }
            if (!connection.Replaced && !_lifetime.IsCancellationRequested)
                PeerLinksLog.InboundClosed(_logger, _selfIndex, connection.Sender, why);
        }
        else
        {
            Interlocked.Decrement(ref _unauthenticated);
        }
        _connections.TryRemove(connection, out _);
        connection.Done.TrySetResult();
    }

    /// <summary>
    /// Stops every loop and closes every socket. Waits at most <see cref="PeerLinksOptions.DisposeTimeoutMs"/>
    /// for the loops (a handler that never returns is abandoned, not awaited); frames still queued are dropped.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Cancel before completing the queues, so a writer never mistakes the completion for a lost link.
        await _lifetime.CancelAsync();
        foreach (var link in _outbound) link?.Complete();
        _listener?.Dispose();
        Task[] loops;
        lock (_loops) loops = [.. _loops];
        var deadline = Task.Delay(_options.DisposeTimeoutMs);
        // Connections are collected only once the accept loop has stopped, so none is admitted unseen.
        var finished = await WithinAsync(Task.WhenAll(loops), deadline)
            && await WithinAsync(Task.WhenAll(_connections.Keys.Select(c => c.Done.Task)), deadline);
        if (!finished)
        {
            PeerLinksLog.DisposeTimedOut(_logger, _selfIndex, _options.DisposeTimeoutMs);
            // Loops still running may yet touch the keys and the token source; leave them to the GC.
            return;
        }
        _keys.Dispose();
        _lifetime.Dispose();
    }

    private static async Task<bool> WithinAsync(Task work, Task deadline) => await Task.WhenAny(work, deadline) == work;

    private sealed class InboundSlot
    {
        public readonly Lock Gate = new();
        public InboundConnection? Current;
    }

    private sealed class InboundConnection(Socket socket, string remote, int bufferBytes)
    {
        public Socket Socket { get; } = socket;
        public string Remote { get; } = remote;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>The gateway this connection authenticated as, or -1 before its first good frame.</summary>
        public int Sender { get; set; } = -1;
        public volatile bool Replaced;
        public byte[] Buffer { get; private set; } = new byte[bufferBytes];
        public int Start { get; set; }
        public int End { get; set; }

        /// <summary>
        /// Ensures the buffer can hold <paramref name="frameBytesNeeded"/> bytes from <see cref="Start"/>.
        /// Grows only as far as the decoder asks, which it bounds by the maximum frame size, and shrinks back
        /// once a large frame is gone so one big message does not pin memory for the connection's life.
        /// </summary>
        public void MakeRoom(int frameBytesNeeded, int defaultBytes)
        {
            var pending = End - Start;
            if (pending == 0)
            {
                Start = End = 0;
                if (Buffer.Length > defaultBytes && frameBytesNeeded <= defaultBytes) Buffer = new byte[defaultBytes];
            }
            if (Buffer.Length - Start >= frameBytesNeeded && End < Buffer.Length) return;
            var target = Buffer.Length >= frameBytesNeeded ? Buffer : new byte[Math.Max(frameBytesNeeded, defaultBytes)];
            Array.Copy(Buffer, Start, target, 0, pending);
            Buffer = target;
            Start = 0;
            End = pending;
        }

        public void Close()
        {
            try { Socket.Dispose(); }
            catch (ObjectDisposedException) { }
        }
    }
}

/// <summary>What <see cref="PeerLinks.Stats"/> reports. <see cref="Peers"/> is indexed by gateway index; the entry of the gateway itself stays zero.</summary>
public sealed record PeerLinkStats(int SelfIndex, IReadOnlyList<PeerLinkStat> Peers, long InboundRejected)
{
    public PeerLinkStat this[int peerIndex] => Peers[peerIndex];
}

/// <param name="FramesDropped">Frames <see cref="PeerLinks.Send"/> refused (queue full, empty, too large, disposed).</param>
/// <param name="AuthFailures">Inbound connections closed for a bad frame that named this peer as sender.</param>
public readonly record struct PeerLinkStat(
    int PeerIndex,
    bool OutboundConnected,
    bool InboundConnected,
    int QueuedFrames,
    long FramesSent,
    long FramesReceived,
    long FramesDropped,
    long BytesSent,
    long BytesReceived,
    long Reconnects,
    long AuthFailures);

internal static partial class PeerLinksLog
{
    [LoggerMessage(1, LogLevel.Information, "gateway {Self} of zone {Zone} listens for peers on {EndPoint}")]
    public static partial void Listening(ILogger logger, int self, string zone, string endPoint);

    [LoggerMessage(2, LogLevel.Information, "link {Self}->{Peer} connected to {Host}:{Port}")]
    public static partial void Connected(ILogger logger, int self, int peer, string host, int port);

    [LoggerMessage(3, LogLevel.Information, "link {Self}->{Peer}: cannot connect to {Host}:{Port} ({Reason}); retrying with backoff")]
    public static partial void ConnectFailed(ILogger logger, int self, int peer, string host, int port, string reason);

    [LoggerMessage(4, LogLevel.Debug, "link {Self}->{Peer}: cannot connect to {Host}:{Port} ({Reason})")]
    public static partial void ConnectRetryFailed(ILogger logger, int self, int peer, string host, int port, string reason);

    [LoggerMessage(5, LogLevel.Warning, "link {Self}->{Peer} lost: {Reason}")]
    public static partial void LinkLost(ILogger logger, int self, int peer, string reason);

    [LoggerMessage(6, LogLevel.Information, "gateway {Self}: inbound connection from {Remote} authenticated as gateway {Peer}")]
    public static partial void InboundAuthenticated(ILogger logger, int self, int peer, string remote);

    [LoggerMessage(7, LogLevel.Information, "gateway {Self}: newer inbound connection from {Remote} replaces gateway {Peer}'s older one")]
    public static partial void InboundReplaced(ILogger logger, int self, int peer, string remote);

    [LoggerMessage(8, LogLevel.Warning, "gateway {Self}: closed inbound connection from {Remote}: {Rejection}: {Detail}")]
    public static partial void InboundRejected(ILogger logger, int self, string remote, string rejection, string detail);

    [LoggerMessage(9, LogLevel.Warning, "gateway {Self}: refused inbound connection from {Remote}: already {Limit} unauthenticated")]
    public static partial void InboundLimit(ILogger logger, int self, string remote, int limit);

    [LoggerMessage(10, LogLevel.Information, "gateway {Self}: inbound connection from gateway {Peer} closed: {Reason}")]
    public static partial void InboundClosed(ILogger logger, int self, int peer, string reason);

    [LoggerMessage(11, LogLevel.Error, "gateway {Self}: message handler failed on a message from gateway {Peer}")]
    public static partial void HandlerFailed(ILogger logger, int self, int peer, Exception exception);

    [LoggerMessage(12, LogLevel.Error, "gateway {Self}: {Loop} failed unexpectedly")]
    public static partial void LoopFailed(ILogger logger, int self, string loop, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "gateway {Self}: accept failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, int self, string reason);

    [LoggerMessage(14, LogLevel.Warning, "gateway {Self}: peer link loops did not stop within {TimeoutMs} ms of dispose")]
    public static partial void DisposeTimedOut(ILogger logger, int self, int timeoutMs);
}
