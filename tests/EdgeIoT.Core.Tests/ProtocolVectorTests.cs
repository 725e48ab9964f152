using System.Text;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Tests;

/// <summary>
/// The test vectors published in docs/protocol.md, checked against the code so the document cannot
/// drift. They were also verified with the independent `jose` npm library (Node.js), which accepts both
/// JWS and, signing the same payload with the same key, produces the identical transaction.
/// </summary>
public class ProtocolVectorTests
{
    public const string DeviceSeed = "ECTFz9j2hlQuTZpHQz_MuvvEIrrCilAllReoe488n1I";
    public const string DevicePublic = "eDfQuf3oQ7LUyuEP1Tbfd_YEZ_W637H80UFE2PFvOew";
    public const string VerifierSeed = "i6JSvDsbU_QxDzinuHf9HzKZ5D_0JHjV0jakBNdV-Yc";
    public const string VerifierPublic = "J24y0xP7bQLkKF50FlBNgpUabw23LiDBWkcsj8i_B2M";
    public const string GatewaySeed = "xsGx62_vVEPWU-fjrB06qiLbQuVK0EiYXL0LTefcU1o";
    public const string Payload = "{\"dev\":\"d0001\",\"zone\":\"z1\",\"ts\":1731000000000001,\"app\":\"ledger\",\"op\":\"transfer\",\"args\":{\"from\":\"acct/1\",\"to\":\"acct/2\",\"amount\":5}}";
    public const string Transaction = "eyJhbGciOiJFZERTQSIsImtpZCI6ImQwMDAxIn0.eyJkZXYiOiJkMDAwMSIsInpvbmUiOiJ6MSIsInRzIjoxNzMxMDAwMDAwMDAwMDAxLCJhcHAiOiJsZWRnZXIiLCJvcCI6InRyYW5zZmVyIiwiYXJncyI6eyJmcm9tIjoiYWNjdC8xIiwidG8iOiJhY2N0LzIiLCJhbW91bnQiOjV9fQ.OgRJMhlTk17gDw83YCAa2gb2MxIlOX8qC5WGP_Dl-QJLVLGWN4ovd5qWzW2dq-TJs9f04WzyjbVGR3uisWYRBw";
    public const string TxDigestHex = "a349c585da7d52e7bcf1e2abb0579fb5fdcb1a0ce126b1addabc63419d01c7ab";
    public const string Response = "eyJhbGciOiJFZERTQSIsImtpZCI6InZlcmlmaWVyIn0.eyJ2IjoxLCJkZXYiOiJkMDAwMSIsInpvbmUiOiJ6MSIsInRzIjoxNzMxMDAwMDAwMDAwMDAxLCJ0eCI6Im8wbkZoZHA5VXVlODhlS3JzRmVmdGYzTEdnemhKckd0MnJ4alFaMEJ4NnMiLCJrIjoxNywicG9zIjozLCJzdGF0dXMiOiJjb21taXR0ZWQiLCJyZXN1bHQiOnsib2siOnRydWUsImZyb21fYmFsYW5jZSI6OTk1LCJ0b19iYWxhbmNlIjoxMDA1fX0.4aVVU7eCebnNDjLijCTnqwX3QUikngxajKKFeGicdr1Wk8mdOtqqmctKzmUDG5nMCwBESF2xAwgp9sBILgA6Bw";
    public const string BatchDigestHex = "3c39e94623ad6c89dc71708cdacc682cc1d53b11cfd66101edc09b761c7b49dc";
    public const string CommitStatementHex = "01027a31000000000000000000000000000000113c39e94623ad6c89dc71708cdacc682cc1d53b11cfd66101edc09b761c7b49dc";
    public const string CommitSignatureHex = "5dbbdb984b09516641dcf1f865f4a86cdc570ba3a1383df7007a69e336e695d6e5f611361740af1b37463d40fa3d9318bb1b71fd659568ab19ec8092e2007102";

    [Fact]
    public void The_device_transaction_vector_is_what_the_SDK_signs_and_what_gateways_accept()
    {
        using var device = SigningKey.FromSeed(Base64Url.Decode(DeviceSeed));
        Assert.Equal(DevicePublic, device.PublicKey.ToBase64Url());
        Assert.Equal(Transaction, Encoding.ASCII.GetString(JwsCompact.Sign(device, "d0001", Encoding.UTF8.GetBytes(Payload))));
        using var devices = new TestDevices();
        Assert.True(JwsCompact.TryParse(Encoding.ASCII.GetBytes(Transaction), 4096, out var jws, out _));
        Assert.True(jws.VerifySignature(Encoding.ASCII.GetBytes(Transaction), device.PublicKey));
        Assert.Equal(TxDigestHex, Sha256Digest.Of(Encoding.ASCII.GetBytes(Transaction)).ToHex());
    }

    [Fact]
    public void The_response_vector_verifies_under_the_verifier_key()
    {
        using var verifier = SigningKey.FromSeed(Base64Url.Decode(VerifierSeed));
        Assert.Equal(VerifierPublic, verifier.PublicKey.ToBase64Url());
        Assert.True(VerifierResponse.TryVerify(Encoding.ASCII.GetBytes(Response), verifier.PublicKey, out var response, out var reason), reason);
        Assert.Equal(17UL, response.Seq);
        Assert.Equal(TxDigestHex, response.TxDigest.ToHex());
        var rebuilt = new VerifierResponse("d0001", "z1", 1731000000000001, response.TxDigest, 17, 3, VerifierResponse.Committed, "{\"ok\":true,\"from_balance\":995,\"to_balance\":1005}", null);
        Assert.Equal(Response, Encoding.ASCII.GetString(rebuilt.Sign(verifier)));
    }

    [Fact]
    public void The_commit_statement_vector_encodes_and_signs_as_documented()
    {
        using var gateway = SigningKey.FromSeed(Base64Url.Decode(GatewaySeed));
        var batchDigest = Sha256Digest.OfList([new Bytes32(Convert.FromHexString(TxDigestHex))]);
        Assert.Equal(BatchDigestHex, batchDigest.ToHex());
        var statement = new CommitStatement("z1", 0, 17, batchDigest);
        Assert.Equal(CommitStatementHex, Convert.ToHexStringLower(statement.Encode()));
        Assert.Equal(CommitSignatureHex, Convert.ToHexStringLower(statement.Sign(gateway)));
        Assert.True(statement.VerifySignature(gateway.PublicKey, Convert.FromHexString(CommitSignatureHex)));
    }
}
