using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Simulation.Engine;

/// <summary>
/// Everything random in a run derives from its one seed: each component draws from its own stream
/// (SHA-256 of the seed and the stream's name), so adding a draw in one place never shifts another
/// component's choices, and keys are Ed25519 seeds derived the same way (Ed25519 is deterministic).
/// </summary>
public static class SeedStreams
{
    public static Random Stream(ulong seed, string purpose) => new(DeriveInt(seed, purpose));

    public static int DeriveInt(ulong seed, string purpose) =>
        BinaryPrimitives.ReadInt32BigEndian(Derive(seed, "stream:" + purpose)) & int.MaxValue;

    /// <summary>SigningKey.FromSeed(SHA-256(seed || id)).</summary>
    public static SigningKey Key(ulong seed, string id)
    {
        var material = Derive(seed, id);
        try { return SigningKey.FromSeed(material); }
        finally { CryptographicOperations.ZeroMemory(material); }
    }

    private static byte[] Derive(ulong seed, string label)
    {
        var labelBytes = Encoding.UTF8.GetBytes(label);
        var input = new byte[8 + labelBytes.Length];
        BinaryPrimitives.WriteUInt64BigEndian(input, seed);
        labelBytes.CopyTo(input, 8);
        return SHA256.HashData(input);
    }
}
