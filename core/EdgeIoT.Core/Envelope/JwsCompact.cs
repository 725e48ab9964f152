using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Envelope;

/// <summary>
/// JWS compact serialization (RFC 7515 §7.1) restricted to alg "EdDSA" with Ed25519 (RFC 8037).
/// Any JOSE library can produce what <see cref="TryParse"/> accepts and check what <see cref="Sign"/>
/// produces. Parsing bounds every size before decoding anything.
/// </summary>
public static class JwsCompact
{
    public const int MaxHeaderBytes = 512;
    public const string Algorithm = "EdDSA";

    /// <summary>A parsed but not yet verified JWS.</summary>
    public readonly struct Parsed
    {
        public required string KeyId { get; init; }
        public required byte[] Payload { get; init; }
        public required int SigningInputLength { get; init; }
        public required byte[] Signature { get; init; }

        /// <summary>Checks the signature over the signing input (the first two segments of <paramref name="jws"/>).</summary>
        public bool VerifySignature(ReadOnlySpan<byte> jws, in Bytes32 publicKey) =>
            Ed25519.Verify(publicKey, jws[..SigningInputLength], Signature);
    }

    public static bool TryParse(ReadOnlySpan<byte> jws, int maxBytes, out Parsed parsed, out Rejection rejection)
    {
        parsed = default;
        if (jws.Length > maxBytes)
        {
            rejection = new(RejectReason.PayloadTooLarge, $"{jws.Length} bytes exceeds the limit of {maxBytes}");
            return false;
        }
        var firstDot = jws.IndexOf((byte)'.');
        if (firstDot <= 0)
        {
            rejection = new(RejectReason.MalformedEnvelope, "not a JWS compact serialization: missing header segment");
            return false;
        }
        var rest = jws[(firstDot + 1)..];
        var secondDotInRest = rest.IndexOf((byte)'.');
        if (secondDotInRest < 0 || rest[(secondDotInRest + 1)..].IndexOf((byte)'.') >= 0)
        {
            rejection = new(RejectReason.MalformedEnvelope, "a JWS compact serialization has exactly three segments");
            return false;
        }
        var headerB64 = jws[..firstDot];
        var payloadB64 = rest[..secondDotInRest];
        var signatureB64 = rest[(secondDotInRest + 1)..];
        if (headerB64.Length > MaxHeaderBytes * 4 / 3 + 4)
        {
            rejection = new(RejectReason.MalformedEnvelope, "protected header too large");
            return false;
        }
        if (!Base64Url.TryDecode(headerB64, out var headerBytes)
            || !Base64Url.TryDecode(payloadB64, out var payload)
            || !Base64Url.TryDecode(signatureB64, out var signature))
        {
            rejection = new(RejectReason.MalformedEnvelope, "a segment is not base64url without padding");
            return false;
        }
        if (!TryReadHeader(headerBytes, out var keyId, out rejection)) return false;
        if (signature.Length != Ed25519.SignatureSize)
        {
            rejection = new(RejectReason.MalformedEnvelope, $"an Ed25519 signature is 64 bytes, got {signature.Length}");
            return false;
        }
        parsed = new Parsed
        {
            KeyId = keyId,
            Payload = payload,
            SigningInputLength = firstDot + 1 + secondDotInRest,
            Signature = signature,
        };
        rejection = default;
        return true;
    }

    /// <summary>
    /// Reads only the "kid" of a header, without checking anything else; used to address an error to
    /// a device when its message was refused before full parsing (for example, too large).
    /// </summary>
    public static string? PeekKeyId(ReadOnlySpan<byte> jws)
    {
        var dot = jws.IndexOf((byte)'.');
        if (dot <= 0 || dot > MaxHeaderBytes * 2) return null;
        if (!Base64Url.TryDecode(jws[..dot], out var header)) return null;
        return TryReadHeader(header, out var kid, out _) ? kid : null;
    }

    private static bool TryReadHeader(byte[] headerBytes, out string keyId, out Rejection rejection)
    {
        keyId = "";
        string? alg = null;
        try
        {
            var reader = new Utf8JsonReader(headerBytes, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                rejection = new(RejectReason.MalformedEnvelope, "protected header is not a JSON object");
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "alg": alg = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; break;
                    case "kid": keyId = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : ""; break;
                    case "crit":
                        // RFC 7515 §4.1.11: extensions we do not understand must make the JWS invalid.
                        rejection = new(RejectReason.MalformedEnvelope, "critical header extensions are not supported");
                        return false;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            rejection = new(RejectReason.MalformedEnvelope, $"protected header is not valid UTF-8 JSON: {e.Message}");
            return false;
        }
        if (alg != Algorithm)
        {
            rejection = new(RejectReason.UnsupportedAlgorithm, $"alg must be \"{Algorithm}\" (Ed25519), got \"{alg ?? "none"}\"");
            return false;
        }
        if (keyId.Length is 0 or > Identifiers.MaxLength)
        {
            rejection = new(RejectReason.MalformedEnvelope, "kid (the signer's id) is missing or too long");
            return false;
        }
        rejection = default;
        return true;
    }

    /// <summary>Produces <c>header.payload.signature</c> with header {"alg":"EdDSA","kid":keyId}.</summary>
    public static byte[] Sign(SigningKey key, string keyId, ReadOnlySpan<byte> payloadJson)
    {
        var header = Encoding.UTF8.GetBytes($"{{\"alg\":\"EdDSA\",\"kid\":{JsonSerializer.Serialize(keyId)}}}");
        var signingInput = Encoding.ASCII.GetBytes(Base64Url.Encode(header) + "." + Base64Url.Encode(payloadJson));
        var signature = key.Sign(signingInput);
        var sig = Encoding.ASCII.GetBytes(Base64Url.Encode(signature));
        var result = new byte[signingInput.Length + 1 + sig.Length];
        signingInput.CopyTo(result, 0);
        result[signingInput.Length] = (byte)'.';
        sig.CopyTo(result, signingInput.Length + 1);
        return result;
    }
}

/// <summary>Identifier rules shared by devices, zones, gateways and executors.</summary>
public static class Identifiers
{
    public const int MaxLength = 64;

    /// <summary>Letters, digits, '-', '_' and '.', 1 to 64 characters: safe in MQTT topics, file names and SQL.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength) return false;
        foreach (var c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return false;
        return true;
    }
}
