using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Engine;

public enum TraceKind : byte
{
    Deliver,
    Drop,
    Commit,
    Decide,
    Submit,
    Complete,
    Fault,
    Phase,
    /// <summary>A gateway suspected its primary (B = 0), started a view change (1), installed a view (2), or restarted.</summary>
    View,
    /// <summary>The verifier published a complaint or ACK to a zone.</summary>
    Notice,
}

/// <summary>One thing that happened. Formatting waits until someone reads the trace.</summary>
internal readonly record struct TraceEntry(long TimeMs, TraceKind Kind, NodeId From, NodeId To, MessageKind Message, long A, long B, string? Text);

/// <summary>
/// The run's event trace: a running SHA-256 over every entry (and every delivered message's bytes), so
/// two runs of one seed can be compared exactly, and the last entries kept for a failure report.
/// </summary>
internal sealed class TraceLog(int tailCapacity) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly TraceEntry[] _tail = new TraceEntry[tailCapacity];
    private readonly byte[] _header = new byte[1 + 8 + 2 * 5 + 1 + 16];
    private long _count;

    public long Count => _count;

    public void Record(in TraceEntry entry, ReadOnlySpan<byte> body = default)
    {
        _tail[_count % _tail.Length] = entry;
        _count++;
        var h = _header.AsSpan();
        h[0] = (byte)entry.Kind;
        BinaryPrimitives.WriteInt64BigEndian(h[1..], entry.TimeMs);
        h[9] = (byte)entry.From.Role;
        BinaryPrimitives.WriteInt32BigEndian(h[10..], entry.From.Index);
        h[14] = (byte)entry.To.Role;
        BinaryPrimitives.WriteInt32BigEndian(h[15..], entry.To.Index);
        h[19] = (byte)entry.Message;
        BinaryPrimitives.WriteInt64BigEndian(h[20..], entry.A);
        BinaryPrimitives.WriteInt64BigEndian(h[28..], entry.B);
        _hash.AppendData(h);
        if (entry.Text is { } text) _hash.AppendData(Encoding.UTF8.GetBytes(text));
        if (!body.IsEmpty) _hash.AppendData(body);
    }

    /// <summary>The hash of everything recorded so far; recording may continue.</summary>
    public string Hash()
    {
        Span<byte> digest = stackalloc byte[32];
        _hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    public IReadOnlyList<TraceEntry> Tail(int count)
    {
        var n = (int)Math.Min(Math.Min(count, _tail.Length), _count);
        var result = new TraceEntry[n];
        for (var i = 0; i < n; i++) result[i] = _tail[(_count - n + i) % _tail.Length];
        return result;
    }

    public void Dispose() => _hash.Dispose();
}
