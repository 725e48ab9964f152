using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// A device's records digest (docs/zones.md): h_0 = 32 zero bytes, h_{i+1} = SHA-256("edgeiot/v1/history\0"
/// || h_i || tx_digest_i) over its committed transactions in decision order. The verifier keeps it
/// with each device; a migration moves ownership only when the source zone's certified HISTORY names
/// the same digest and count.
/// </summary>
public static class HistoryChain
{
    private static readonly byte[] Domain = "edgeiot/v1/history\0"u8.ToArray();

    public static Bytes32 Next(in Bytes32 previous, in Bytes32 txDigest)
    {
        Span<byte> input = stackalloc byte[Domain.Length + 64];
        Domain.CopyTo(input);
        previous.CopyTo(input[Domain.Length..]);
        txDigest.CopyTo(input[(Domain.Length + 32)..]);
        return Sha256Digest.Of(input);
    }
}
