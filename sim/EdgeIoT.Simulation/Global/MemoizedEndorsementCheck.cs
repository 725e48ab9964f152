using System.Security.Cryptography;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;

namespace EdgeIoT.Simulation.Global;

/// <summary>
/// Ed25519 endorsement checks remembered across a world's coordinators: every gateway checks the same
/// certificates, and a run is dominated by those checks. The answer for (key, signature, body) never
/// changes, so sharing it changes nothing but the wall time. One world, one thread.
/// </summary>
internal sealed class MemoizedEndorsementCheck
{
    private readonly Dictionary<Bytes32, bool> _results = [];
    private const int Max = 200_000;

    public long Checked { get; private set; }
    public long Hits { get; private set; }

    public bool Check(in Bytes32 publicKey, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> key = stackalloc byte[32];
        publicKey.CopyTo(key);
        hash.AppendData(key);
        hash.AppendData(signature);
        hash.AppendData(body);
        var id = new Bytes32(hash.GetHashAndReset());
        if (_results.TryGetValue(id, out var known))
        {
            Hits++;
            return known;
        }
        Checked++;
        var valid = StepCertificates.Ed25519Check(publicKey, body, signature);
        if (_results.Count >= Max) _results.Clear();
        _results[id] = valid;
        return valid;
    }
}
