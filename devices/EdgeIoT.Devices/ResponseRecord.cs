using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeIoT.Devices;

/// <summary>
/// One verified RESPONSE a device received, as a JSON line: what the device was told, so an audit can
/// hold the verifier's log to it (<c>edgeiot audit</c>). <c>result</c> is the application's result as
/// JSON text, exactly as signed; absent unless committed.
/// </summary>
public sealed record ResponseRecord(
    [property: JsonPropertyName("dev")] string Device,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("ts")] ulong Timestamp,
    [property: JsonPropertyName("tx")] string TxDigest,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("k")] ulong Seq,
    [property: JsonPropertyName("pos")] int Position,
    [property: JsonPropertyName("result")] string? Result)
{
    /// <summary>Where the device simulator writes these lines, inside its data folder.</summary>
    public const string FileName = "responses.jsonl";

    /// <summary>The file's last line when the recorder reached its bound: {"truncated":true,"records":N}.</summary>
    public const string TruncatedProperty = "truncated";

    // Relaxed escaping keeps results readable ({"key":…} rather than \u0022); the file is never embedded in HTML.
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The record of a verified response; null for outcomes the verifier did not sign (timeouts, gateway refusals).</summary>
    public static ResponseRecord? From(string device, DeviceResult result)
    {
        var status = result.Outcome switch
        {
            DeviceOutcome.Committed => Core.Envelope.VerifierResponse.Committed,
            DeviceOutcome.Aborted => Core.Envelope.VerifierResponse.Aborted,
            DeviceOutcome.Rejected => Core.Envelope.VerifierResponse.Rejected,
            _ => null,
        };
        if (status is null || result.Zone is null) return null;
        return new ResponseRecord(device, result.Zone, result.Timestamp, result.TxDigest.ToBase64Url(), status, result.Seq, result.Position, result.ResultJson);
    }

    public string ToJsonLine() => JsonSerializer.Serialize(this, Options);

    public static string TruncatedLine(long records) => $"{{\"{TruncatedProperty}\":true,\"records\":{records}}}";

    /// <summary>Parses one line; false for anything that is not a complete record.</summary>
    public static bool TryParse(string line, out ResponseRecord record)
    {
        record = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize<ResponseRecord>(line, Options);
            if (parsed is null || string.IsNullOrEmpty(parsed.Device) || string.IsNullOrEmpty(parsed.Zone) || string.IsNullOrEmpty(parsed.Status)) return false;
            record = parsed;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
