using System.Buffers;
using System.Text.Json;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Envelope;

/// <summary>
/// A gateway's advisory refusal of a device transaction, published on the device's error topic and
/// signed by the gateway: {"v":1,"gw","dev","ts"?,"tx"?,"reason","detail"}. Gateways are untrusted,
/// so a device may wait for f_R+1 matching refusals before believing one.
/// </summary>
public static class GatewayRejection
{
    public static byte[] Sign(SigningKey gatewayKey, string gatewayId, string device, ulong? timestamp, Bytes32? txDigest, Rejection rejection)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteString("gw", gatewayId);
            writer.WriteString("dev", device);
            if (timestamp is { } ts) writer.WriteNumber("ts", ts);
            if (txDigest is { } digest) writer.WriteString("tx", digest.ToBase64Url());
            writer.WriteString("reason", rejection.Code);
            writer.WriteString("detail", rejection.Detail);
            writer.WriteEndObject();
        }
        return JwsCompact.Sign(gatewayKey, gatewayId, buffer.WrittenSpan);
    }
}
