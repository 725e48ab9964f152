using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;

namespace EdgeIoT.Core.Tests;

public class CommitCertificateTests : IDisposable
{
    private readonly SigningKey[] _keys = Enumerable.Range(0, 4).Select(_ => SigningKey.Generate()).ToArray();
    private readonly ZoneInfo _zone;
    private readonly Bytes32 _digest = Sha256Digest.Of("batch"u8);

    public CommitCertificateTests()
    {
        _zone = new ZoneInfo
        {
            Id = "z1",
            FaultyGateways = 1,
            Gateways = _keys.Select((k, i) => new GatewayInfo { Id = $"g{i}", Index = i, PublicKey = KeyText.Format(k.PublicKey), PeerPort = 7000 + i }).ToList(),
        };
    }

    public void Dispose()
    {
        foreach (var key in _keys) key.Dispose();
    }

    private Wire.CommitCertificate Certificate(ulong seq, params int[] signers)
    {
        var statement = new CommitStatement("z1", 0, seq, _digest);
        return CommitCertificates.Build(statement, signers.Select(i => (i, statement.Sign(_keys[i]))));
    }

    [Fact]
    public void Three_distinct_valid_signatures_of_four_gateways_form_a_certificate()
    {
        Assert.True(CommitCertificates.Verify(Certificate(5, 0, 1, 3), _zone, 5, _digest, out var reason), reason);
    }

    [Fact]
    public void Two_signatures_are_not_enough_when_f_is_one()
    {
        Assert.False(CommitCertificates.Verify(Certificate(5, 0, 1), _zone, 5, _digest, out var reason));
        Assert.Contains("2f_R+1", reason);
    }

    [Fact]
    public void The_same_signer_counted_twice_does_not_make_a_quorum()
    {
        var certificate = Certificate(5, 0, 1);
        certificate.Signatures.Add(certificate.Signatures[0]);
        Assert.False(CommitCertificates.Verify(certificate, _zone, 5, _digest, out _));
    }

    [Fact]
    public void A_certificate_does_not_prove_another_sequence_or_batch()
    {
        var certificate = Certificate(5, 0, 1, 2);
        Assert.False(CommitCertificates.Verify(certificate, _zone, 6, _digest, out _));
        Assert.False(CommitCertificates.Verify(certificate, _zone, 5, Sha256Digest.Of("other"u8), out _));
        certificate.Seq = 6; // relabelled: the signatures are over sequence 5
        Assert.False(CommitCertificates.Verify(certificate, _zone, 6, _digest, out _));
    }

    [Fact]
    public void Signatures_by_unknown_indices_or_garbage_are_ignored()
    {
        var certificate = Certificate(5, 0, 1);
        certificate.Signatures.Add(new Wire.CommitSignature { Replica = 9, Signature = certificate.Signatures[0].Signature });
        certificate.Signatures.Add(new Wire.CommitSignature { Replica = 2, Signature = Google.Protobuf.ByteString.CopyFrom(new byte[64]) });
        Assert.False(CommitCertificates.Verify(certificate, _zone, 5, _digest, out _));
    }
}
