namespace EdgeIoT.Core.Crypto;

/// <summary>
/// HKDF-SHA256 (RFC 5869) on libsodium's HMAC. .NET's <c>HKDF</c> goes through OpenSSL, and loading
/// .NET's OpenSSL layer only to derive a gateway's three link keys at start-up cost every gateway 2-4 MiB
/// of resident memory for the rest of its life (docs/performance.md).
/// </summary>
public static class HkdfSha256
{
    public const int HashSize = 32;
    /// <summary>RFC 5869 §2.3: at most 255 blocks of output.</summary>
    public const int OutputMax = 255 * HashSize;

    /// <summary>Fills <paramref name="output"/> with HKDF-Expand(HKDF-Extract(salt, ikm), info).</summary>
    public static void DeriveKey(ReadOnlySpan<byte> ikm, Span<byte> output, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        if (output.Length is 0 or > OutputMax) throw new ArgumentOutOfRangeException(nameof(output), $"HKDF-SHA256 derives 1..{OutputMax} bytes");
        Span<byte> prk = stackalloc byte[HashSize];
        Span<byte> block = stackalloc byte[HashSize];
        var input = new byte[HashSize + info.Length + 1];
        try
        {
            // §2.2: an absent salt is a string of HashLen zeros.
            Span<byte> zeros = stackalloc byte[HashSize];
            using (var extract = new FrameMac(salt.IsEmpty ? zeros : salt))
                extract.Compute(ikm, default, prk);
            using var expand = new FrameMac(prk);
            var previous = 0;
            for (var offset = 0; offset < output.Length; offset += HashSize)
            {
                // T(i) = HMAC(PRK, T(i-1) || info || i), with T(0) empty.
                var counter = (byte)(offset / HashSize + 1);
                block[..previous].CopyTo(input);
                info.CopyTo(input.AsSpan(previous));
                input[previous + info.Length] = counter;
                expand.Compute(input.AsSpan(0, previous + info.Length + 1), default, block);
                previous = HashSize;
                block[..Math.Min(HashSize, output.Length - offset)].CopyTo(output[offset..]);
            }
        }
        finally
        {
            prk.Clear();
            block.Clear();
            Array.Clear(input);
        }
    }
}
