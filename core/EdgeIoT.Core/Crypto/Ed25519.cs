using System.Buffers;

namespace EdgeIoT.Core.Crypto;

/// <summary>Ed25519 (RFC 8032) through libsodium.</summary>
public static unsafe class Ed25519
{
    public const int PublicKeySize = Sodium.PublicKeyBytes;
    public const int SignatureSize = Sodium.SignatureBytes;
    public const int SeedSize = Sodium.SeedBytes;

    public static bool Verify(in Bytes32 publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize) return false;
        Span<byte> pk = stackalloc byte[PublicKeySize];
        publicKey.CopyTo(pk);
        fixed (byte* s = signature)
        fixed (byte* m = message)
        fixed (byte* p = pk)
        {
            return Sodium.crypto_sign_ed25519_verify_detached(s, m, (ulong)message.Length, p) == 0;
        }
    }

    /// <summary>Verifies a signature over <c>prefix(domain) || body</c>.</summary>
    public static bool Verify(in Bytes32 publicKey, SignatureDomain domain, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var prefix = SignatureDomains.Prefix(domain);
        var length = prefix.Length + body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(rented);
            body.CopyTo(rented.AsSpan(prefix.Length));
            return Verify(publicKey, rented.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>
/// An Ed25519 private key. The 64-byte libsodium secret key lives in a pinned array that is zeroed on
/// dispose.
/// </summary>
public sealed unsafe class SigningKey : IDisposable
{
    private readonly byte[] _secret = GC.AllocateArray<byte>(Sodium.SecretKeyBytes, pinned: true);
    private bool _disposed;

    public Bytes32 PublicKey { get; }

    private SigningKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Sodium.SeedBytes)
            throw new ArgumentException($"an Ed25519 seed is {Sodium.SeedBytes} bytes, got {seed.Length}", nameof(seed));
        Span<byte> pk = stackalloc byte[Sodium.PublicKeyBytes];
        fixed (byte* p = pk)
        fixed (byte* s = _secret)
        fixed (byte* sd = seed)
        {
            if (Sodium.crypto_sign_ed25519_seed_keypair(p, s, sd) != 0)
                throw new InvalidOperationException("crypto_sign_ed25519_seed_keypair failed");
        }
        PublicKey = new Bytes32(pk);
    }

    public static SigningKey FromSeed(ReadOnlySpan<byte> seed) => new(seed);

    public static SigningKey Generate()
    {
        Span<byte> seed = stackalloc byte[Sodium.SeedBytes];
        RandomBytes(seed);
        try { return new SigningKey(seed); }
        finally { seed.Clear(); }
    }

    public static void RandomBytes(Span<byte> destination)
    {
        Sodium.EnsureInitialized();
        fixed (byte* d = destination) Sodium.randombytes_buf(d, (nuint)destination.Length);
    }

    /// <summary>The 32-byte seed (the RFC 8032 private key); libsodium keeps it as the first half.</summary>
    public byte[] ExportSeed() => _secret.AsSpan(0, Sodium.SeedBytes).ToArray();

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signature.Length < Sodium.SignatureBytes)
            throw new ArgumentException("signature buffer too small", nameof(signature));
        fixed (byte* sig = signature)
        fixed (byte* m = message)
        fixed (byte* s = _secret)
        {
            if (Sodium.crypto_sign_ed25519_detached(sig, null, m, (ulong)message.Length, s) != 0)
                throw new InvalidOperationException("crypto_sign_ed25519_detached failed");
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[Sodium.SignatureBytes];
        Sign(message, signature);
        return signature;
    }

    /// <summary>Signs <c>prefix(domain) || body</c>.</summary>
    public byte[] Sign(SignatureDomain domain, ReadOnlySpan<byte> body)
    {
        var prefix = SignatureDomains.Prefix(domain);
        var length = prefix.Length + body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(rented);
            body.CopyTo(rented.AsSpan(prefix.Length));
            return Sign(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>This key's X25519 secret, for Diffie-Hellman derivation of pairwise MAC keys.</summary>
    internal void ToCurve25519(Span<byte> curveSecret)
    {
        fixed (byte* c = curveSecret)
        fixed (byte* s = _secret)
        {
            if (Sodium.crypto_sign_ed25519_sk_to_curve25519(c, s) != 0)
                throw new InvalidOperationException("crypto_sign_ed25519_sk_to_curve25519 failed");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        fixed (byte* s = _secret) Sodium.sodium_memzero(s, (nuint)_secret.Length);
    }
}
