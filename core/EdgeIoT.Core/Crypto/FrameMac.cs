using System.Runtime.InteropServices;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// HMAC-SHA256 (RFC 2104) under one key, for authenticating many short frames: the keyed state (the
/// inner and outer pads already hashed) is computed once and copied for each frame, so a frame costs
/// the hashing of its own bytes only. libsodium, not OpenSSL (see <see cref="Sodium"/>). Not
/// thread-safe: one instance per user, like the connection that owns it.
/// </summary>
public sealed unsafe class FrameMac : IDisposable
{
    public const int MacSize = 32;
    private static readonly int StateBytes = checked((int)Sodium.crypto_auth_hmacsha256_statebytes());
    private byte* _keyed;

    public FrameMac(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty) throw new ArgumentException("an HMAC key must not be empty", nameof(key));
        _keyed = (byte*)NativeMemory.Alloc((nuint)StateBytes);
        fixed (byte* k = key)
            Sodium.crypto_auth_hmacsha256_init(_keyed, k, (nuint)key.Length);
    }

    /// <summary>HMAC(key, <paramref name="first"/> || <paramref name="second"/>) into <paramref name="mac"/> (32 bytes).</summary>
    public void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> mac)
    {
        ObjectDisposedException.ThrowIf(_keyed is null, this);
        if (mac.Length < MacSize) throw new ArgumentException($"an HMAC-SHA256 needs {MacSize} bytes", nameof(mac));
        Span<byte> state = stackalloc byte[StateBytes];
        fixed (byte* s = state)
        fixed (byte* a = first)
        fixed (byte* b = second)
        fixed (byte* m = mac)
        {
            new ReadOnlySpan<byte>(_keyed, StateBytes).CopyTo(state);
            Sodium.crypto_auth_hmacsha256_update(s, a, (ulong)first.Length);
            Sodium.crypto_auth_hmacsha256_update(s, b, (ulong)second.Length);
            Sodium.crypto_auth_hmacsha256_final(s, m);
            Sodium.sodium_memzero(s, (nuint)StateBytes);
        }
    }

    ~FrameMac() => Release();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_keyed is null) return;
        Sodium.sodium_memzero(_keyed, (nuint)StateBytes);
        NativeMemory.Free(_keyed);
        _keyed = null;
    }
}
