using EdgeIoT.Core.Envelope;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// What a committed batch declares it will read and write: the union of its transactions' declared
/// read/write sets (serverlessbft §6.5). A null set means "unknown": some transaction did not declare
/// it, so it may touch any key. Only keys, never values.
/// </summary>
public sealed class BatchFootprint
{
    /// <summary>
    /// Per set and batch. A batch declaring more is treated as unknown: the lock map's memory stays
    /// bounded by window × this, and such a batch only loses parallelism.
    /// </summary>
    public const int MaxKeysPerSet = 1024;

    public static readonly BatchFootprint Unknown = new(null, null);
    public static readonly BatchFootprint Empty = new(new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));

    private BatchFootprint(HashSet<string>? reads, HashSet<string>? writes)
    {
        Reads = reads;
        Writes = writes;
    }

    /// <summary>Keys the batch may read; null when some transaction left its read set undeclared.</summary>
    public IReadOnlySet<string>? Reads { get; }
    /// <summary>Keys the batch may write; null when some transaction left its write set undeclared.</summary>
    public IReadOnlySet<string>? Writes { get; }

    public bool ReadsNothing => Reads is { Count: 0 };
    public bool WritesSomething => Writes is not { Count: 0 };

    /// <summary>
    /// Decodes every transaction of a committed batch without checking signatures (the gateways admitted
    /// them before they were ordered). A transaction that does not decode counts as unknown: the
    /// executors will reject it, but guessing wrong here would only cost an abort, never safety, and
    /// "unknown" never costs an abort.
    /// </summary>
    public static BatchFootprint Of(Batch batch, IDeviceDirectory devices, int maxTxBytes)
    {
        var declared = new List<(string[]? Reads, string[]? Writes)>(batch.Txs.Count);
        foreach (var raw in batch.Txs)
        {
            if (!DeviceTransaction.TryDecode(raw.ToByteArray(), devices, maxTxBytes, out var tx, out _, verifySignature: false))
                return Unknown;
            declared.Add((tx.DeclaredReads, tx.DeclaredWrites));
        }
        return Of(declared);
    }

    public static BatchFootprint Of(IEnumerable<(string[]? Reads, string[]? Writes)> transactions)
    {
        HashSet<string>? reads = new(StringComparer.Ordinal), writes = new(StringComparer.Ordinal);
        foreach (var (txReads, txWrites) in transactions)
        {
            reads = Union(reads, txReads);
            writes = Union(writes, txWrites);
        }
        return new BatchFootprint(reads, writes);
    }

    private static HashSet<string>? Union(HashSet<string>? set, string[]? keys)
    {
        if (set is null || keys is null) return null;
        foreach (var key in keys) set.Add(key);
        return set.Count > MaxKeysPerSet ? null : set;
    }

    public override string ToString() => $"r={Describe(Reads)} w={Describe(Writes)}";

    private static string Describe(IReadOnlySet<string>? keys) => keys is null ? "?" : $"[{string.Join(",", keys.Take(8))}{(keys.Count > 8 ? ",…" : "")}]";
}
