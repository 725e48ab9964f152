using System.Collections.Concurrent;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Digests of device transactions this gateway has already admitted (signature checked). A backup
/// usually receives a transaction from MQTT before the PRE-PREPARE that orders it, so checking the
/// batch costs a digest lookup instead of a second signature verification.
/// </summary>
/// <remarks>
/// Bounded by two generations of at most half the capacity each: when the young one fills it becomes
/// the old one and the old one is dropped, so a digest stays for at least half the capacity's worth of
/// later admissions. Forgetting only costs a re-verification. The count is kept beside the dictionary
/// because <see cref="ConcurrentDictionary{TKey,TValue}.Count"/> takes every lock of the table: asking
/// it on each admission cost a gateway 6–7% of its CPU (docs/performance.md).
/// </remarks>
public sealed class VerifiedTxCache
{
    private readonly int _generationMax;
    private readonly Lock _rotation = new();
    private volatile ConcurrentDictionary<Bytes32, byte> _young = new();
    private volatile ConcurrentDictionary<Bytes32, byte> _old = new();
    private int _youngCount;

    public VerifiedTxCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationMax = capacity / 2;
    }

    public bool Contains(in Bytes32 digest) => _young.ContainsKey(digest) || _old.ContainsKey(digest);

    /// <summary>Digests held now; at most the capacity plus one per thread adding at the same moment.</summary>
    public int Count => _young.Count + _old.Count;

    public void Add(in Bytes32 digest)
    {
        if (!_young.TryAdd(digest, 0)) return;
        if (Interlocked.Increment(ref _youngCount) < _generationMax) return;
        lock (_rotation)
        {
            // Another adder may have rotated while this one waited.
            if (Volatile.Read(ref _youngCount) < _generationMax) return;
            _old = _young;
            _young = new ConcurrentDictionary<Bytes32, byte>();
            Volatile.Write(ref _youngCount, 0);
        }
    }
}
