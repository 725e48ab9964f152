using System.Buffers.Binary;

namespace EdgeIoT.Bench.Cluster;

/// <summary>Kinds of benchmark cluster frames; the first byte of every payload on the peer links.</summary>
public enum ClusterFrame : byte
{
    /// <summary>A PBFT peer message (protobuf <c>PeerMessage</c>) follows.</summary>
    Pbft = 1,
    /// <summary>A client request: raw request bytes follow (see <see cref="ClusterWire.Request"/>).</summary>
    Request = 2,
    /// <summary>A replica's replies: u16 count, then (u32 client, u64 number) per executed request.</summary>
    Replies = 3,
    /// <summary>Paxos ACCEPT: u64 slot, u16 count, then (u16 length, request bytes) per request.</summary>
    Accept = 4,
    /// <summary>Paxos ACCEPTED: u64 slot.</summary>
    Accepted = 5,
    /// <summary>Paxos COMMIT from the leader so followers execute: u64 slot.</summary>
    Commit = 6,
}

/// <summary>One request to order: who sent it and its number at that client (strictly increasing).</summary>
public readonly record struct RequestId(int Client, ulong Number);

/// <summary>
/// The benchmark cluster's wire format. Little-endian, length-checked: a malformed frame from a
/// peer parses as false and is dropped. Requests are [u32 client][u64 number][payload].
/// </summary>
public static class ClusterWire
{
    public const int RequestHeaderBytes = 12;

    public static byte[] Request(RequestId id, int payloadBytes)
    {
        var bytes = new byte[1 + RequestHeaderBytes + payloadBytes];
        bytes[0] = (byte)ClusterFrame.Request;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), id.Client);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(5), id.Number);
        return bytes;
    }

    /// <summary>The id inside raw request bytes (the frame without its kind byte).</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> raw, out RequestId id)
    {
        id = default;
        if (raw.Length < RequestHeaderBytes) return false;
        var client = BinaryPrimitives.ReadInt32LittleEndian(raw);
        if (client < 0) return false;
        id = new RequestId(client, BinaryPrimitives.ReadUInt64LittleEndian(raw[4..]));
        return true;
    }

    public static byte[] Replies(IReadOnlyList<RequestId> ids)
    {
        var bytes = new byte[1 + 2 + ids.Count * RequestHeaderBytes];
        bytes[0] = (byte)ClusterFrame.Replies;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), checked((ushort)ids.Count));
        var offset = 3;
        foreach (var id in ids)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), id.Client);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset + 4), id.Number);
            offset += RequestHeaderBytes;
        }
        return bytes;
    }

    public static bool TryParseReplies(ReadOnlySpan<byte> body, List<RequestId> ids)
    {
        if (body.Length < 2) return false;
        var count = BinaryPrimitives.ReadUInt16LittleEndian(body);
        if (body.Length != 2 + count * RequestHeaderBytes) return false;
        for (var i = 0; i < count; i++)
        {
            var at = body[(2 + i * RequestHeaderBytes)..];
            ids.Add(new RequestId(BinaryPrimitives.ReadInt32LittleEndian(at), BinaryPrimitives.ReadUInt64LittleEndian(at[4..])));
        }
        return true;
    }

    public static byte[] Accept(ulong slot, IReadOnlyList<byte[]> requests)
    {
        var size = 1 + 8 + 2 + requests.Sum(r => 2 + r.Length);
        var bytes = new byte[size];
        bytes[0] = (byte)ClusterFrame.Accept;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), slot);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(9), checked((ushort)requests.Count));
        var offset = 11;
        foreach (var request in requests)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), checked((ushort)request.Length));
            request.CopyTo(bytes.AsSpan(offset + 2));
            offset += 2 + request.Length;
        }
        return bytes;
    }

    public static bool TryParseAccept(ReadOnlySpan<byte> body, out ulong slot, List<byte[]> requests)
    {
        slot = 0;
        if (body.Length < 10) return false;
        slot = BinaryPrimitives.ReadUInt64LittleEndian(body);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(body[8..]);
        var offset = 10;
        for (var i = 0; i < count; i++)
        {
            if (offset + 2 > body.Length) return false;
            var length = BinaryPrimitives.ReadUInt16LittleEndian(body[offset..]);
            if (offset + 2 + length > body.Length) return false;
            requests.Add(body.Slice(offset + 2, length).ToArray());
            offset += 2 + length;
        }
        return offset == body.Length;
    }

    public static byte[] Slot(ClusterFrame kind, ulong slot)
    {
        var bytes = new byte[9];
        bytes[0] = (byte)kind;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), slot);
        return bytes;
    }

    public static bool TryParseSlot(ReadOnlySpan<byte> body, out ulong slot)
    {
        slot = body.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(body) : 0;
        return body.Length == 8;
    }
}
