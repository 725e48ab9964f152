using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Core.Execution;

public static class Batches
{
    /// <summary>Digests of each transaction of the batch, in order.</summary>
    public static Bytes32[] TxDigests(Batch batch)
    {
        var digests = new Bytes32[batch.Txs.Count];
        for (var i = 0; i < digests.Length; i++) digests[i] = Sha256Digest.Of(batch.Txs[i].Span);
        return digests;
    }

    /// <summary>The batch digest Δ: SHA-256(u32be count || H(tx_1) || ... || H(tx_n)).</summary>
    public static Bytes32 Digest(Batch batch) => Sha256Digest.OfList(TxDigests(batch));

    public static Bytes32 Digest(IReadOnlyList<Bytes32> txDigests) => Sha256Digest.OfList(txDigests);
}
