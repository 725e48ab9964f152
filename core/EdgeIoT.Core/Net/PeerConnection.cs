using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeIoT.Core.Crypto;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Core.Net;

/// <summary>A payload waiting for its link, and the <see cref="Stopwatch"/> timestamp before which it must not leave.</summary>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, long DueTimestamp);

/// <summary>Counters of one peer, written by the link's loops and read by <see cref="PeerLinks.Stats"/>.</summary>
internal sealed class PeerCounters
{
    public long FramesSent;
    public long FramesReceived;
    public long FramesDropped;
    public long BytesSent;
    public long BytesReceived;
    public long Reconnects;
    public long AuthFailures;
}

/// <summary>
/// The outbound half of the link to one peer: a bounded queue, and one loop that dials the peer, keeps
/// redialling with jittered exponential backoff until disposed, and drains the queue into coalesced socket
/// writes. Frames queued while the peer is away wait in the queue; a frame already in a write when the
/// connection breaks is lost, which PBFT tolerates (it treats the network as lossy).
/// </summary>
internal sealed class PeerConnection
{
    private static readonly byte[] Hello = [];

    private readonly int _selfIndex;
    private readonly int _peerIndex;
    private readonly string _host;
    private readonly int _port;
    private readonly PeerMacKeys _keys;
    private readonly PeerLinksOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<OutboundFrame> _queue;
    private volatile bool _connected;

    public PeerCounters Counters { get; }
    public bool Connected => _connected;
    public int QueuedFrames => _queue.Reader.Count;

    public PeerConnection(int selfIndex, int peerIndex, string host, int port, PeerMacKeys keys, PeerLinksOptions options, PeerCounters counters, ILogger logger)
    {
        _selfIndex = selfIndex;
        _peerIndex = peerIndex;
        _host = host;
        _port = port;
        _keys = keys;
        _options = options;
        _logger = logger;
        Counters = counters;
        // FullMode Wait, not DropWrite: with DropWrite TryWrite reports success while discarding the frame,
        // and the caller must learn that the frame was refused. TryWrite never waits in either mode.
        _queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public bool TryEnqueue(in OutboundFrame frame) => _queue.Writer.TryWrite(frame);

    /// <summary>Refuses further frames; the loop itself stops on the lifetime token.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken lifetime)
    {
        using var hmac = _keys.CreateHmac(_peerIndex);
        var buffer = new byte[_options.WriteCoalesceBytes];
        var attempt = 0;
        var everConnected = false;
        while (!lifetime.IsCancellationRequested)
        {
            var connectedAt = 0L;
            try
            {
                using var socket = await ConnectAsync(lifetime);
                connectedAt = Stopwatch.GetTimestamp();
                if (everConnected) Interlocked.Increment(ref Counters.Reconnects);
                everConnected = true;
                _connected = true;
                PeerLinksLog.Connected(_logger, _selfIndex, _peerIndex, _host, _port);
                var reason = await PumpAsync(socket, hmac, buffer, lifetime);
                if (!lifetime.IsCancellationRequested) PeerLinksLog.LinkLost(_logger, _selfIndex, _peerIndex, reason);
            }
            catch (Exception) when (lifetime.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (connectedAt == 0)
            {
                // Peers start in any order and restart at will; failing to connect is routine.
                if (attempt == 0) PeerLinksLog.ConnectFailed(_logger, _selfIndex, _peerIndex, _host, _port, e.Message);
                else PeerLinksLog.ConnectRetryFailed(_logger, _selfIndex, _peerIndex, _host, _port, e.Message);
            }
            catch (Exception e)
            {
                PeerLinksLog.LinkLost(_logger, _selfIndex, _peerIndex, e.GetType().Name + ": " + e.Message);
            }
            finally
            {
                _connected = false;
            }

            // A connection that dies at once (a peer refusing us, say) must not reset the backoff, or the
            // dialler would spin at the minimum delay forever.
            if (connectedAt != 0 && Stopwatch.GetElapsedTime(connectedAt).TotalMilliseconds >= _options.ReconnectDelayMaxMs) attempt = 0;
            try
            {
                await Task.Delay(BackoffMs(attempt), lifetime);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            attempt = Math.Min(attempt + 1, 30);
        }
    }

    private int BackoffMs(int attempt)
    {
        var ceilingMs = (int)Math.Min(_options.ReconnectDelayMaxMs, (long)_options.ReconnectDelayMinMs << Math.Min(attempt, 30));
        // Equal jitter: peers that lost each other at the same moment do not redial in lockstep.
        var floorMs = Math.Max(_options.ReconnectDelayMinMs, ceilingMs / 2);
        return floorMs >= ceilingMs ? ceilingMs : Random.Shared.Next(floorMs, ceilingMs + 1);
    }

    private async Task<Socket> ConnectAsync(CancellationToken lifetime)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            PeerSockets.Configure(socket, _options);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            timeout.CancelAfter(_options.ConnectTimeoutMs);
            try
            {
                await socket.ConnectAsync(new DnsEndPoint(_host, _port), timeout.Token);
            }
            catch (OperationCanceledException) when (!lifetime.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer within {_options.ConnectTimeoutMs} ms");
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes frames until the connection fails or the links shut down; returns why it stopped.</summary>
    private async Task<string> PumpAsync(Socket socket, FrameMac hmac, byte[] buffer, CancellationToken lifetime)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        var ct = connection.Token;
        // Disposing the socket is what reliably aborts a pending write on every platform.
        using var closeOnCancel = ct.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket);
        var closedByPeer = WatchForCloseAsync(socket, connection);
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            // The hello authenticates the connection at once, so the peer replaces any older inbound
            // connection from us now rather than at our next real frame.
            var helloLength = PeerFrame.Encode(hmac, _selfIndex, _peerIndex, Hello, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, helloLength), ct);
            var reader = _queue.Reader;
            while (true)
            {
                if (!reader.TryPeek(out var head))
                {
                    if (!await reader.WaitToReadAsync(ct)) return "queue completed";
                    continue;
                }
                var waitTicks = head.DueTimestamp - Stopwatch.GetTimestamp();
                if (waitTicks > 0)
                {
                    // Round up: waking early would only cost another lap, waking late is the point.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(waitTicks * 1000.0 / Stopwatch.Frequency)), ct);
                    continue;
                }
                await WriteDueFramesAsync(stream, hmac, buffer, ct);
            }
        }
        catch (Exception) when (ct.IsCancellationRequested && !lifetime.IsCancellationRequested)
        {
            return await closedByPeer;
        }
        finally
        {
            connection.Cancel();
            await closedByPeer;
        }
    }

    /// <summary>One socket write of as many due frames as fit; a frame larger than the buffer goes alone.</summary>
    private async Task WriteDueFramesAsync(NetworkStream stream, FrameMac hmac, byte[] buffer, CancellationToken ct)
    {
        var reader = _queue.Reader;
        var now = Stopwatch.GetTimestamp();
        var used = 0;
        var frames = 0;
        while (reader.TryPeek(out var frame) && frame.DueTimestamp <= now)
        {
            var size = PeerFrame.FrameSize(frame.Payload.Length);
            if (size > buffer.Length - used)
            {
                if (used > 0) break;
                reader.TryRead(out _);
                PeerFrame.WriteHeader(hmac, _selfIndex, _peerIndex, frame.Payload.Span, buffer);
                await stream.WriteAsync(buffer.AsMemory(0, PeerFrame.HeaderSize), ct);
                await stream.WriteAsync(frame.Payload, ct);
                Account(1, size);
                return;
            }
            reader.TryRead(out _);
            PeerFrame.Encode(hmac, _selfIndex, _peerIndex, frame.Payload.Span, buffer.AsSpan(used));
            used += size;
            frames++;
        }
        if (used == 0) return;
        await stream.WriteAsync(buffer.AsMemory(0, used), ct);
        Account(frames, used);
    }

    private void Account(int frames, int bytes)
    {
        Interlocked.Add(ref Counters.FramesSent, frames);
        Interlocked.Add(ref Counters.BytesSent, bytes);
    }

    /// <summary>
    /// Nothing ever arrives on an outbound connection, so a completed read means the peer closed it (or broke
    /// protocol); noticing it here beats waiting for the next write to fail.
    /// </summary>
    private static async Task<string> WatchForCloseAsync(Socket socket, CancellationTokenSource connection)
    {
        var one = new byte[1];
        string reason;
        try
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.None, connection.Token);
            reason = read == 0 ? "closed by peer" : "peer sent bytes on a send-only connection";
        }
        catch (OperationCanceledException)
        {
            reason = "write failed";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            reason = e.Message;
        }
        try { connection.Cancel(); }
        catch (ObjectDisposedException) { }
        return reason;
    }
}

internal static class PeerSockets
{
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>
    /// NoDelay because PBFT messages are small and latency-bound; keepalive and TCP_USER_TIMEOUT because a
    /// board that loses power sends no FIN, and without them a link would look alive for many minutes.
    /// </summary>
    public static void Configure(Socket socket, PeerLinksOptions options)
    {
        socket.NoDelay = true;
        // Dead-peer detection is tuning, not correctness: a kernel that lacks one of these options (some
        // sandboxes do) must still get working links, so each is best effort.
        var deadSeconds = Math.Max(1, options.DeadPeerTimeoutMs / 1000);
        TrySet(() => socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true));
        TrySet(() => socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, deadSeconds / 2)));
        TrySet(() => socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, deadSeconds / 10)));
        TrySet(() => socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 5));
        if (OperatingSystem.IsLinux())
            TrySet(() => socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, BitConverter.GetBytes(options.DeadPeerTimeoutMs)));
    }

    private static void TrySet(Action set)
    {
        try { set(); }
        catch (SocketException) { }
        catch (PlatformNotSupportedException) { }
    }
}
