namespace EdgeIoT.Bench.Crypto;

/// <summary>
/// Ed25519 verifications the whole system performs per committed transaction, counted from the code
/// paths (docs/performance.md, "Cost per transaction"), for n_R gateways, n_E executors and batches of
/// B transactions on average. With the verifications per second of this machine it gives the crypto
/// ceiling the issue-6 target is stated against.
/// </summary>
public static class SignatureWork
{
    /// <summary>Every gateway checks the device signature at admission, every executor again, and the device checks the verifier's RESPONSE.</summary>
    public static int PerTransaction(int gateways, int executors) => gateways + executors + 1;

    /// <summary>
    /// Per batch: PBFT (each backup checks the PRE-PREPARE; PREPAREs from n_R − 1 backups and COMMITs from
    /// all n_R reach the n_R − 1 others), the featherweight checkpoints (n_R signed CHECKPOINTs to n_R − 1
    /// peers every <paramref name="checkpointInterval"/> batches), the commit certificate (2f_R + 1
    /// signatures) at every executor, the n_E VERIFYs at the verifier, and its DECIDED notice at every gateway.
    /// </summary>
    public static double PerBatch(int gateways, int executors, int faultyGateways, int checkpointInterval)
    {
        var others = gateways - 1;
        var pbft = others + others * others + gateways * others;
        var checkpoints = (double)gateways * others / checkpointInterval;
        return pbft + checkpoints + executors * (2 * faultyGateways + 1) + executors + gateways;
    }

    public static double PerCommittedTransaction(int gateways, int executors, int faultyGateways, double averageBatch, int checkpointInterval = 16)
    {
        if (averageBatch <= 0) throw new ArgumentOutOfRangeException(nameof(averageBatch), averageBatch, "batches hold at least one transaction");
        return PerTransaction(gateways, executors) + PerBatch(gateways, executors, faultyGateways, checkpointInterval) / averageBatch;
    }
}
