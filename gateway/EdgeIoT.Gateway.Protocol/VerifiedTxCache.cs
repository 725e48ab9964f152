using System.Collections.Concurrent;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Digests of device transactions this gateway has already admitted (signature checked). A backup
/// usually receives a transaction from MQTT before the PRE-PREPARE that orders it, so checking the
/// batch costs a digest lookup instead of a second signature verification. Bounded: when full it is
/// cleared, which only costs re-verification.
/// </summary>
public sealed class VerifiedTxCache(int capacity)
{
    private readonly ConcurrentDictionary<Bytes32, byte> _digests = new();

    public bool Contains(in Bytes32 digest) => _digests.ContainsKey(digest);

    public void Add(in Bytes32 digest)
    {
        if (_digests.Count >= capacity) _digests.Clear();
        _digests.TryAdd(digest, 0);
    }
}
