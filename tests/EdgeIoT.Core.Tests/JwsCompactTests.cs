using System.Text;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Tests;

public class JwsCompactTests
{
    [Fact]
    public void The_RFC_8037_A4_example_signature_verifies_over_its_signing_input()
    {
        // RFC 8037 Appendix A.1 (key) and A.4 (JWS): header {"alg":"EdDSA"}, payload "Example of Ed25519 signing".
        using var key = SigningKey.FromSeed(Base64Url.Decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"));
        Assert.Equal("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", key.PublicKey.ToBase64Url());
        var signingInput = Encoding.ASCII.GetBytes("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
        var expected = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
        Assert.Equal(expected, Base64Url.Encode(key.Sign(signingInput)));
        Assert.True(Ed25519.Verify(key.PublicKey, signingInput, Base64Url.Decode(expected)));
    }

    [Fact]
    public void Sign_then_parse_round_trips_and_the_signature_covers_header_and_payload()
    {
        using var key = SigningKey.Generate();
        var jws = JwsCompact.Sign(key, "dev-1", "{\"a\":1}"u8);
        Assert.True(JwsCompact.TryParse(jws, 4096, out var parsed, out _));
        Assert.Equal("dev-1", parsed.KeyId);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(parsed.Payload));
        Assert.True(parsed.VerifySignature(jws, key.PublicKey));

        var text = Encoding.ASCII.GetString(jws);
        var parts = text.Split('.');
        var otherPayload = Encoding.ASCII.GetBytes($"{parts[0]}.{Base64Url.Encode("{\"a\":2}"u8)}.{parts[2]}");
        Assert.True(JwsCompact.TryParse(otherPayload, 4096, out var forged, out _));
        Assert.False(forged.VerifySignature(otherPayload, key.PublicKey));
    }

    [Theory]
    [InlineData("", RejectReason.MalformedEnvelope)]
    [InlineData("abc", RejectReason.MalformedEnvelope)]
    [InlineData("a.b", RejectReason.MalformedEnvelope)]
    [InlineData("a.b.c.d", RejectReason.MalformedEnvelope)]
    [InlineData("!!!.e30.AAAA", RejectReason.MalformedEnvelope)]
    [InlineData("e30.e30.AAAA", RejectReason.UnsupportedAlgorithm)]                          // header {} has no alg
    [InlineData("eyJhbGciOiJub25lIiwia2lkIjoiZCJ9.e30.", RejectReason.UnsupportedAlgorithm)] // alg "none"
    [InlineData("eyJhbGciOiJFZERTQSJ9.e30.AAAA", RejectReason.MalformedEnvelope)]            // no kid
    [InlineData("bm90IGpzb24.e30.AAAA", RejectReason.MalformedEnvelope)]                     // header not JSON
    public void Malformed_envelopes_are_rejected_with_a_reason(string text, RejectReason expected)
    {
        Assert.False(JwsCompact.TryParse(Encoding.ASCII.GetBytes(text), 4096, out _, out var rejection));
        Assert.Equal(expected, rejection.Reason);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Detail));
    }

    [Fact]
    public void Oversized_input_is_rejected_before_parsing_and_its_kid_can_still_be_peeked()
    {
        using var key = SigningKey.Generate();
        var jws = JwsCompact.Sign(key, "sensor-7", Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 5000) + "\"}"));
        Assert.False(JwsCompact.TryParse(jws, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.PayloadTooLarge, rejection.Reason);
        Assert.Equal("sensor-7", JwsCompact.PeekKeyId(jws));
    }

    [Fact]
    public void Critical_header_extensions_are_refused()
    {
        var header = Base64Url.Encode("{\"alg\":\"EdDSA\",\"kid\":\"d\",\"crit\":[\"x\"],\"x\":1}"u8);
        var jws = Encoding.ASCII.GetBytes($"{header}.e30.{Base64Url.Encode(new byte[64])}");
        Assert.False(JwsCompact.TryParse(jws, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.MalformedEnvelope, rejection.Reason);
    }
}
