using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Net;

/// <summary>
/// The frame gateways of one zone exchange over TCP:
/// <c>u32be length-of-rest | u16be from | u16be to | HMAC-SHA256 (32 bytes) | payload</c>, where the MAC is
/// HMAC-SHA256(key_{from,to}, u16be from || u16be to || payload). Sender and receiver sit under the MAC
/// because the pairwise key is the same in both directions: without them a frame could be reflected back
/// to its sender. An empty payload is a link-control frame (the dialler's hello, which authenticates a
/// fresh connection at once) and is never delivered to the application.
/// </summary>
public static class PeerFrame
{
    public const int LengthSize = 4;
    public const int IndexSize = 2;
    public const int MacSize = 32;
    /// <summary>Bytes before the payload: length, from, to, MAC.</summary>
    public const int HeaderSize = LengthSize + 2 * IndexSize + MacSize;
    /// <summary>The smallest legal length-of-rest: from, to and MAC with an empty payload.</summary>
    public const int MinLengthOfRest = HeaderSize - LengthSize;
    /// <summary>Indices travel as u16.</summary>
    public const int MaxGateways = ushort.MaxValue + 1;

    public static int FrameSize(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>HKDF context of the pairwise MAC keys, so keys of one zone are useless in another.</summary>
    public static byte[] MacContext(string zoneId) => Encoding.UTF8.GetBytes("edgeiot/v1/peer-mac/" + zoneId);

    /// <summary>Writes the 40-byte header of a frame carrying <paramref name="payload"/>; the payload follows it.</summary>
    public static void WriteHeader(FrameMac mac, int from, int to, ReadOnlySpan<byte> payload, Span<byte> header)
    {
        CheckIndex(from, nameof(from));
        CheckIndex(to, nameof(to));
        if (header.Length < HeaderSize) throw new ArgumentException($"a frame header needs {HeaderSize} bytes", nameof(header));
        if (payload.Length > int.MaxValue - HeaderSize) throw new ArgumentException("payload too large for a frame", nameof(payload));
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(MinLengthOfRest + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header[LengthSize..], (ushort)from);
        BinaryPrimitives.WriteUInt16BigEndian(header[(LengthSize + IndexSize)..], (ushort)to);
        mac.Compute(header.Slice(LengthSize, 2 * IndexSize), payload, header.Slice(LengthSize + 2 * IndexSize, MacSize));
    }

    /// <summary>Writes a whole frame into <paramref name="destination"/> and returns its size.</summary>
    public static int Encode(FrameMac mac, int from, int to, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var size = FrameSize(payload.Length);
        if (destination.Length < size) throw new ArgumentException($"the frame needs {size} bytes", nameof(destination));
        WriteHeader(mac, from, to, payload, destination);
        payload.CopyTo(destination[HeaderSize..]);
        return size;
    }

    public static byte[] Encode(ReadOnlySpan<byte> key, int from, int to, ReadOnlySpan<byte> payload)
    {
        using var mac = new FrameMac(key);
        var frame = new byte[FrameSize(payload.Length)];
        Encode(mac, from, to, payload, frame);
        return frame;
    }

    private static void CheckIndex(int index, string name)
    {
        if ((uint)index >= MaxGateways) throw new ArgumentOutOfRangeException(name, index, "gateway indices are u16");
    }
}

/// <summary>
/// This gateway's pairwise MAC keys with every other gateway of its zone, indexed by gateway index.
/// Derived once at startup (X25519 + HKDF per peer is far too slow for a per-frame path).
/// </summary>
public sealed class PeerMacKeys : IDisposable
{
    private readonly byte[]?[] _keys;

    public int SelfIndex { get; }
    /// <summary>Gateways in the zone, self included.</summary>
    public int Count => _keys.Length;

    /// <param name="keysByIndex">The key shared with each gateway; null at <paramref name="selfIndex"/>.</param>
    public PeerMacKeys(int selfIndex, IReadOnlyList<byte[]?> keysByIndex)
    {
        if (keysByIndex.Count is 0 or > PeerFrame.MaxGateways)
            throw new ArgumentException($"a zone has 1..{PeerFrame.MaxGateways} gateways", nameof(keysByIndex));
        if ((uint)selfIndex >= (uint)keysByIndex.Count) throw new ArgumentOutOfRangeException(nameof(selfIndex));
        _keys = new byte[]?[keysByIndex.Count];
        for (var i = 0; i < _keys.Length; i++)
        {
            if (i == selfIndex) continue;
            var key = keysByIndex[i] ?? throw new ArgumentException($"no MAC key for gateway {i}", nameof(keysByIndex));
            if (key.Length != PairwiseMacKeys.KeySize) throw new ArgumentException($"MAC key for gateway {i} is not {PairwiseMacKeys.KeySize} bytes", nameof(keysByIndex));
            _keys[i] = key.ToArray();
        }
        SelfIndex = selfIndex;
    }

    /// <summary>Derives the keys from this gateway's identity and the registry's public keys.</summary>
    public static PeerMacKeys Derive(ZoneInfo zone, int selfIndex, SigningKey selfKey)
    {
        if ((uint)selfIndex >= (uint)zone.Gateways.Count)
            throw new ArgumentOutOfRangeException(nameof(selfIndex), selfIndex, $"zone {zone.Id} has {zone.Gateways.Count} gateways");
        // A key that does not match the registry would derive keys no peer shares: every link would fail
        // authentication forever, which is far harder to diagnose than refusing to start.
        if (zone.Gateways[selfIndex].Key != selfKey.PublicKey)
            throw new ArgumentException($"the signing key is not the registry's key of gateway {zone.Gateways[selfIndex].Id}", nameof(selfKey));
        var context = PeerFrame.MacContext(zone.Id);
        var keys = new byte[]?[zone.Gateways.Count];
        try
        {
            for (var i = 0; i < keys.Length; i++)
                if (i != selfIndex) keys[i] = PairwiseMacKeys.Derive(selfKey, zone.Gateways[i].Key, context);
            return new PeerMacKeys(selfIndex, keys);
        }
        finally
        {
            foreach (var key in keys) if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    public bool IsPeer(int index) => (uint)index < (uint)_keys.Length && index != SelfIndex;

    /// <summary>A fresh HMAC-SHA256 keyed for <paramref name="peerIndex"/>; not thread-safe, one per user.</summary>
    public FrameMac CreateHmac(int peerIndex)
    {
        if (!IsPeer(peerIndex)) throw new ArgumentOutOfRangeException(nameof(peerIndex), peerIndex, "not a peer of this gateway");
        var key = _keys[peerIndex];
        ObjectDisposedException.ThrowIf(key is null, this);
        return new FrameMac(key);
    }

    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] is { } key) CryptographicOperations.ZeroMemory(key);
            _keys[i] = null;
        }
    }
}

public enum PeerFrameStatus : byte
{
    /// <summary>A whole authenticated frame is at the start of the buffer.</summary>
    Frame,
    /// <summary>The buffer holds a prefix of a frame that is acceptable so far; read more.</summary>
    NeedMoreData,
    /// <summary>The bytes can never become an acceptable frame; close the connection.</summary>
    Rejected,
}

public enum PeerFrameRejection : byte
{
    None,
    /// <summary>length-of-rest is below from + to + MAC.</summary>
    LengthTooSmall,
    /// <summary>The frame would exceed the configured maximum frame size.</summary>
    TooLarge,
    /// <summary>The frame is addressed to another gateway.</summary>
    WrongRecipient,
    /// <summary>from is not a gateway of the zone, or is this gateway itself.</summary>
    UnknownSender,
    /// <summary>A later frame names a different sender than the one the connection authenticated as.</summary>
    SenderChanged,
    BadMac,
}

/// <summary>Where an accepted frame sits in the buffer given to <see cref="PeerFrameDecoder.TryConsume"/>.</summary>
public readonly record struct PeerFrameInfo(int From, int PayloadOffset, int PayloadLength, int FrameLength);

/// <summary>
/// Incremental decoder of one inbound connection's byte stream. It consumes bytes, not sockets (as in
/// Garnet's sessions), so every hostile input is testable without a network. A rejection is final: the
/// decoder answers the same rejection forever, because after a bad frame the stream's framing cannot be
/// trusted and the only safe action is to drop the connection. It never throws on any input.
/// </summary>
public sealed class PeerFrameDecoder : IDisposable
{
    private readonly PeerMacKeys _keys;
    private readonly int _frameBytesMax;
    private FrameMac? _hmac;
    private int _sender = -1;

    public PeerFrameDecoder(PeerMacKeys keys, int frameBytesMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameBytesMax, PeerFrame.HeaderSize);
        _keys = keys;
        _frameBytesMax = frameBytesMax;
    }

    /// <summary>The sender this connection authenticated as with its first frame, or -1 before that.</summary>
    public int Sender => _sender;
    /// <summary>The last frame's <c>from</c> if it named another gateway of the zone, else -1: whom a bad MAC claims to be.</summary>
    public int ClaimedSender { get; private set; } = -1;
    public PeerFrameRejection Rejection { get; private set; }
    /// <summary>After <see cref="PeerFrameStatus.NeedMoreData"/>: how many bytes the buffer must hold for progress.</summary>
    public int BytesNeeded { get; private set; } = PeerFrame.LengthSize;
    /// <summary>Words for the log after a rejection: what was wrong with the frame.</summary>
    public string RejectionDetail { get; private set; } = "";

    /// <summary>
    /// Looks at the start of <paramref name="buffer"/>. On <see cref="PeerFrameStatus.Frame"/>, the caller
    /// consumes <c>frame.FrameLength</c> bytes and calls again with what follows.
    /// </summary>
    public PeerFrameStatus TryConsume(ReadOnlySpan<byte> buffer, out PeerFrameInfo frame)
    {
        frame = default;
        if (Rejection != PeerFrameRejection.None) return PeerFrameStatus.Rejected;
        if (buffer.Length < PeerFrame.LengthSize) return NeedMore(PeerFrame.LengthSize);

        // Bound the length before waiting for the body, so a peer cannot make us buffer more than the maximum.
        var lengthOfRest = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if (lengthOfRest < PeerFrame.MinLengthOfRest)
            return Reject(PeerFrameRejection.LengthTooSmall, $"length-of-rest {lengthOfRest} < {PeerFrame.MinLengthOfRest}");
        if (lengthOfRest > (uint)(_frameBytesMax - PeerFrame.LengthSize))
            return Reject(PeerFrameRejection.TooLarge, $"frame of {(ulong)lengthOfRest + PeerFrame.LengthSize} bytes exceeds the maximum {_frameBytesMax}");
        var frameLength = PeerFrame.LengthSize + (int)lengthOfRest;

        // Check addressing as soon as it arrives rather than after the whole body.
        const int addressEnd = PeerFrame.LengthSize + 2 * PeerFrame.IndexSize;
        if (buffer.Length < addressEnd) return NeedMore(frameLength);
        int from = BinaryPrimitives.ReadUInt16BigEndian(buffer[PeerFrame.LengthSize..]);
        int to = BinaryPrimitives.ReadUInt16BigEndian(buffer[(PeerFrame.LengthSize + PeerFrame.IndexSize)..]);
        if (to != _keys.SelfIndex)
            return Reject(PeerFrameRejection.WrongRecipient, $"frame for gateway {to} reached gateway {_keys.SelfIndex}");
        if (!_keys.IsPeer(from))
            return Reject(PeerFrameRejection.UnknownSender, $"sender {from} is not another gateway of this {_keys.Count}-gateway zone");
        ClaimedSender = from;
        if (_sender >= 0 && from != _sender)
            return Reject(PeerFrameRejection.SenderChanged, $"connection authenticated as gateway {_sender} sent a frame from {from}");

        if (buffer.Length < frameLength) return NeedMore(frameLength);
        if (!MacMatches(from, buffer[..frameLength]))
            return Reject(PeerFrameRejection.BadMac, $"frame claiming to come from gateway {from} has a bad MAC");

        _sender = from;
        BytesNeeded = PeerFrame.LengthSize;
        frame = new PeerFrameInfo(from, PeerFrame.HeaderSize, frameLength - PeerFrame.HeaderSize, frameLength);
        return PeerFrameStatus.Frame;
    }

    private bool MacMatches(int from, ReadOnlySpan<byte> frame)
    {
        // Only one sender can ever pass on a connection, so one keyed HMAC per decoder suffices.
        _hmac ??= _keys.CreateHmac(from);
        Span<byte> expected = stackalloc byte[PeerFrame.MacSize];
        _hmac.Compute(frame.Slice(PeerFrame.LengthSize, 2 * PeerFrame.IndexSize), frame[PeerFrame.HeaderSize..], expected);
        var presented = frame.Slice(PeerFrame.LengthSize + 2 * PeerFrame.IndexSize, PeerFrame.MacSize);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private PeerFrameStatus NeedMore(int bytes)
    {
        BytesNeeded = bytes;
        return PeerFrameStatus.NeedMoreData;
    }

    private PeerFrameStatus Reject(PeerFrameRejection reason, string detail)
    {
        Rejection = reason;
        RejectionDetail = detail;
        return PeerFrameStatus.Rejected;
    }

    public void Dispose() => _hmac?.Dispose();
}
