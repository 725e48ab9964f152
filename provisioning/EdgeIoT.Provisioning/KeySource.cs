using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Provisioning;

/// <summary>
/// Where provisioning gets each identity's private key: the CSPRNG for real networks, or a seed for
/// reproducible simulator runs, where the key of <c>id</c> is Ed25519 from the 32-byte seed
/// SHA-256(seed as 8 bytes big-endian || UTF-8 id).
/// </summary>
public abstract class KeySource
{
    public abstract SigningKey KeyFor(string id);

    public static KeySource Random { get; } = new RandomKeys();

    public static KeySource FromSeed(ulong seed) => new SeededKeys(seed);

    public static KeySource For(ulong? seed) => seed is { } value ? FromSeed(value) : Random;

    private sealed class RandomKeys : KeySource
    {
        public override SigningKey KeyFor(string id) => SigningKey.Generate();
    }

    private sealed class SeededKeys(ulong seed) : KeySource
    {
        public override SigningKey KeyFor(string id)
        {
            var idBytes = Encoding.UTF8.GetBytes(id);
            var input = new byte[8 + idBytes.Length];
            BinaryPrimitives.WriteUInt64BigEndian(input, seed);
            idBytes.CopyTo(input, 8);
            Span<byte> keySeed = stackalloc byte[Ed25519.SeedSize];
            SHA256.HashData(input, keySeed);
            try { return SigningKey.FromSeed(keySeed); }
            finally { keySeed.Clear(); }
        }
    }
}
