using System.Buffers;
using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Envelope;

/// <summary>
/// The verifier's RESPONSE to a device (serverlessbft Fig. 3 line 33): a JWS signed by the verifier,
/// payload {"v":1,"dev","zone","ts","tx","k","pos","status","result"?,"reason"?}. The device trusts
/// the verifier and accepts a response whose signature verifies under the registry's verifier key.
/// </summary>
public sealed record VerifierResponse(
    string Device,
    string Zone,
    ulong Timestamp,
    Bytes32 TxDigest,
    ulong Seq,
    int Position,
    string Status,
    string? ResultJson,
    string? Reason)
{
    public const string KeyId = "verifier";
    public const string Committed = "committed", Aborted = "aborted", Rejected = "rejected";

    public byte[] Sign(SigningKey verifierKey)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteString("dev", Device);
            writer.WriteString("zone", Zone);
            writer.WriteNumber("ts", Timestamp);
            writer.WriteString("tx", TxDigest.ToBase64Url());
            writer.WriteNumber("k", Seq);
            writer.WriteNumber("pos", Position);
            writer.WriteString("status", Status);
            if (!string.IsNullOrEmpty(ResultJson))
            {
                writer.WritePropertyName("result");
                writer.WriteRawValue(ResultJson, skipInputValidation: false);
            }
            if (!string.IsNullOrEmpty(Reason)) writer.WriteString("reason", Reason);
            writer.WriteEndObject();
        }
        return JwsCompact.Sign(verifierKey, KeyId, buffer.WrittenSpan);
    }

    /// <summary>Parses and authenticates a RESPONSE; false with a reason for anything not signed by the verifier.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> jws, in Bytes32 verifierKey, out VerifierResponse response, out string reason)
    {
        response = null!;
        if (!JwsCompact.TryParse(jws, 64 * 1024, out var parsed, out var rejection)) { reason = rejection.ToString(); return false; }
        if (parsed.KeyId != KeyId) { reason = $"signed by \"{parsed.KeyId}\", not the verifier"; return false; }
        if (!parsed.VerifySignature(jws, verifierKey)) { reason = "the verifier's signature does not verify"; return false; }
        try
        {
            using var document = JsonDocument.Parse(parsed.Payload, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            var digest = Base64Url.Decode(root.GetProperty("tx").GetString() ?? "");
            if (digest.Length != Bytes32.Size) { reason = "tx is not a 32-byte digest"; return false; }
            response = new VerifierResponse(
                root.GetProperty("dev").GetString() ?? "",
                root.GetProperty("zone").GetString() ?? "",
                root.GetProperty("ts").GetUInt64(),
                new Bytes32(digest),
                root.GetProperty("k").GetUInt64(),
                root.GetProperty("pos").GetInt32(),
                root.GetProperty("status").GetString() ?? "",
                root.TryGetProperty("result", out var result) ? result.GetRawText() : null,
                root.TryGetProperty("reason", out var why) ? why.GetString() : null);
            reason = "";
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            reason = $"malformed response payload: {e.Message}";
            return false;
        }
    }
}
