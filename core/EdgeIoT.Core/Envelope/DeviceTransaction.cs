using System.Text.Json;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Envelope;

/// <summary>Looks up a device's Ed25519 public key.</summary>
public interface IDeviceDirectory
{
    bool TryGetDeviceKey(string deviceId, out Bytes32 publicKey);
}

/// <summary>
/// A device transaction T: the JWS the device signed, and its decoded payload.
/// Payload (JSON): {"dev","zone","ts","app","op","args"?,"rw"?:{"r":[keys],"w":[keys]}}.
/// The digest is SHA-256 of the JWS bytes exactly as published.
/// </summary>
public sealed class DeviceTransaction
{
    public const int MaxDeclaredKeys = 64;
    public const int MaxKeyLength = 128;
    /// <summary>Timestamps stay within JSON's exactly-representable integers so every language agrees.</summary>
    public const ulong MaxTimestamp = (1UL << 53) - 1;

    public required byte[] Raw { get; init; }
    public required Bytes32 Digest { get; init; }
    public required string DeviceId { get; init; }
    public required string Zone { get; init; }
    public required ulong Timestamp { get; init; }
    public required string App { get; init; }
    public required string Op { get; init; }
    /// <summary>Operation arguments (a JSON object, or undefined when absent).</summary>
    public required JsonElement Args { get; init; }
    /// <summary>Declared read set, or null when the device did not declare one (serverlessbft §6.5).</summary>
    public string[]? DeclaredReads { get; init; }
    /// <summary>Declared write set, or null when undeclared.</summary>
    public string[]? DeclaredWrites { get; init; }

    public override string ToString() => $"{DeviceId}@{Timestamp} {App}.{Op} ({Digest.ToHex()[..12]})";

    /// <summary>
    /// Decodes and authenticates a transaction. Every size and count is bounded; nothing here throws
    /// on bad input.
    /// </summary>
    public static bool TryDecode(byte[] raw, IDeviceDirectory devices, int maxBytes, out DeviceTransaction tx, out Rejection rejection, bool verifySignature = true)
    {
        tx = null!;
        if (!JwsCompact.TryParse(raw, maxBytes, out var jws, out rejection)) return false;
        if (!devices.TryGetDeviceKey(jws.KeyId, out var publicKey))
        {
            rejection = new(RejectReason.UnknownDevice, $"device \"{jws.KeyId}\" is not registered");
            return false;
        }
        if (verifySignature && !jws.VerifySignature(raw, publicKey))
        {
            rejection = new(RejectReason.BadSignature, $"the Ed25519 signature does not verify under {jws.KeyId}'s key");
            return false;
        }
        if (!TryReadPayload(jws.Payload, out var fields, out rejection)) return false;
        if (fields.Device != jws.KeyId)
        {
            rejection = new(RejectReason.DeviceMismatch, $"payload dev \"{fields.Device}\" differs from the signer \"{jws.KeyId}\"");
            return false;
        }
        tx = new DeviceTransaction
        {
            Raw = raw,
            Digest = Sha256Digest.Of(raw),
            DeviceId = fields.Device,
            Zone = fields.Zone,
            Timestamp = fields.Timestamp,
            App = fields.App,
            Op = fields.Op,
            Args = fields.Args,
            DeclaredReads = fields.Reads,
            DeclaredWrites = fields.Writes,
        };
        return true;
    }

    private struct PayloadFields
    {
        public string Device, Zone, App, Op;
        public ulong Timestamp;
        public JsonElement Args;
        public string[]? Reads, Writes;
    }

    private static bool TryReadPayload(byte[] payload, out PayloadFields fields, out Rejection rejection)
    {
        fields = default;
        fields.Device = fields.Zone = fields.App = fields.Op = "";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            rejection = new(RejectReason.MalformedPayload, $"payload is not valid JSON: {e.Message}");
            return false;
        }
        using (document)
        {
            try
            {
                return TryReadFields(document.RootElement, ref fields, out rejection);
            }
            catch (InvalidOperationException e)
            {
                // A string that is not valid UTF-8 surfaces only when it is read.
                rejection = new(RejectReason.MalformedPayload, $"payload is not valid UTF-8 JSON: {e.Message}");
                return false;
            }
        }
    }

    private static bool TryReadFields(JsonElement root, ref PayloadFields fields, out Rejection rejection)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            rejection = new(RejectReason.MalformedPayload, "payload must be a JSON object");
            return false;
        }
        if (!TryIdentifier(root, "dev", out fields.Device, out rejection)
            || !TryIdentifier(root, "zone", out fields.Zone, out rejection)
            || !TryIdentifier(root, "app", out fields.App, out rejection)
            || !TryIdentifier(root, "op", out fields.Op, out rejection))
            return false;
        if (!root.TryGetProperty("ts", out var ts) || ts.ValueKind != JsonValueKind.Number
            || !ts.TryGetUInt64(out fields.Timestamp) || fields.Timestamp == 0 || fields.Timestamp > MaxTimestamp)
        {
            rejection = new(RejectReason.MalformedPayload, $"\"ts\" must be an integer in 1..{MaxTimestamp}");
            return false;
        }
        if (root.TryGetProperty("args", out var args))
        {
            if (args.ValueKind != JsonValueKind.Object)
            {
                rejection = new(RejectReason.MalformedPayload, "\"args\" must be a JSON object");
                return false;
            }
            fields.Args = args.Clone();
        }
        if (root.TryGetProperty("rw", out var rw))
        {
            if (rw.ValueKind != JsonValueKind.Object
                || !TryKeyList(rw, "r", out fields.Reads, out rejection)
                || !TryKeyList(rw, "w", out fields.Writes, out rejection))
            {
                if (rejection.Reason == RejectReason.None)
                    rejection = new(RejectReason.MalformedPayload, "\"rw\" must be an object {\"r\":[keys],\"w\":[keys]}");
                return false;
            }
        }
        rejection = default;
        return true;
    }

    private static bool TryIdentifier(JsonElement root, string name, out string value, out Rejection rejection)
    {
        value = "";
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String
            || !Identifiers.IsValid(element.GetString()))
        {
            rejection = new(RejectReason.MalformedPayload, $"\"{name}\" must be an identifier of 1-{Identifiers.MaxLength} letters, digits, '-', '_' or '.'");
            return false;
        }
        value = element.GetString()!;
        rejection = default;
        return true;
    }

    private static bool TryKeyList(JsonElement rw, string name, out string[]? keys, out Rejection rejection)
    {
        keys = null;
        rejection = default;
        if (!rw.TryGetProperty(name, out var list)) return true;
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxDeclaredKeys)
        {
            rejection = new(RejectReason.MalformedPayload, $"\"rw.{name}\" must be an array of at most {MaxDeclaredKeys} keys");
            return false;
        }
        var result = new string[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var key = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
            {
                rejection = new(RejectReason.MalformedPayload, $"\"rw.{name}\" entries must be non-empty strings of at most {MaxKeyLength} characters");
                return false;
            }
            result[i++] = key;
        }
        keys = result;
        return true;
    }
}
