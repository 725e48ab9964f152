using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// 32 bytes held by value: SHA-256 digests and Ed25519 public keys. Equality and hashing are four
/// 64-bit compares, so these are cheap dictionary keys on hot paths.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Bytes32 : IEquatable<Bytes32>
{
    public const int Size = 32;
    private readonly ulong _a, _b, _c, _d;

    public Bytes32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"expected {Size} bytes, got {bytes.Length}", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    public static bool TryCreate(ReadOnlySpan<byte> bytes, out Bytes32 value)
    {
        if (bytes.Length != Size) { value = default; return false; }
        value = new Bytes32(bytes);
        return true;
    }

    public bool IsZero => (_a | _b | _c | _d) == 0;

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var result = new byte[Size];
        CopyTo(result);
        return result;
    }

    public string ToHex() => Convert.ToHexStringLower(ToArray());
    public string ToBase64Url() => Text.Base64Url.Encode(ToArray());
    public override string ToString() => ToHex();

    public bool Equals(Bytes32 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is Bytes32 other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);
    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);
    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);
}
