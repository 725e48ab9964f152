namespace EdgeIoT.Core.Crypto;

/// <summary>
/// Domain-separation prefixes for every Ed25519 signature EdgeIoT makes. A signature produced for one
/// purpose (say a COMMIT vote) can never be replayed as another (say an EXECUTE request), because the
/// signed bytes always begin with the purpose's tag. Device envelopes are plain JWS and need none:
/// the JWS signing input already starts with the protected header.
/// </summary>
public enum SignatureDomain : byte
{
    Commit = 1,
    Execute = 2,
    Verify = 3,
    VerifierNotice = 4,
    Checkpoint = 5,
    ViewChange = 6,
    NewView = 7,
    GatewayNotice = 8,
    PrePrepare = 9,
    Prepare = 10,
    /// <summary>A gateway's endorsement of a global step body (docs/zones.md): "edgeiot/v1/endorse\0".</summary>
    Endorse = 11,
}

public static class SignatureDomains
{
    private static readonly byte[][] Prefixes = Build();

    private static byte[][] Build()
    {
        var values = Enum.GetValues<SignatureDomain>();
        var result = new byte[values.Max(v => (int)v) + 1][];
        foreach (var value in values)
            result[(int)value] = System.Text.Encoding.ASCII.GetBytes($"edgeiot/v1/{value.ToString().ToLowerInvariant()}\0");
        return result;
    }

    public static ReadOnlySpan<byte> Prefix(SignatureDomain domain) => Prefixes[(int)domain];
}
