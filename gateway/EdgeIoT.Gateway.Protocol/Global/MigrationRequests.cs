using System.Text.Json;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>A device's signed migration request: app <c>sys</c>, op <c>migrate</c>, args <c>{"to": zone}</c>.</summary>
public sealed record MigrationRequest(DeviceTransaction Tx, string ToZone)
{
    public string Device => Tx.DeviceId;
    public ulong Timestamp => Tx.Timestamp;

    /// <summary>The order as the initiator proposes it, with the device's zone in the proposer's metadata.</summary>
    public MigrationOrder ToOrder(string fromZone) => new()
    {
        Device = Tx.DeviceId,
        FromZone = fromZone,
        ToZone = ToZone,
        Timestamp = Tx.Timestamp,
        Request = ByteString.CopyFrom(Tx.Raw),
    };
}

/// <summary>Decoding and checking migration requests, on MQTT ingress and inside every step that carries one.</summary>
public static class MigrationRequests
{
    public const string App = "sys";
    public const string Op = "migrate";

    /// <summary>Verifies the envelope (signature, registered device, bounds) and that it is a migration to a zone of the network.</summary>
    public static bool TryDecode(byte[] raw, NetworkRegistry registry, out MigrationRequest request, out Rejection rejection)
    {
        request = null!;
        if (!DeviceTransaction.TryDecode(raw, registry, registry.Protocol.MaxTxBytes, out var tx, out rejection)) return false;
        if (tx.App != App)
        {
            rejection = new(RejectReason.UnknownApplication, $"application \"{tx.App}\" is not the global coordinator's \"{App}\"");
            return false;
        }
        if (tx.Op != Op)
        {
            rejection = new(RejectReason.UnknownOperation, $"\"{App}\" has no operation \"{tx.Op}\" (known: {Op})");
            return false;
        }
        if (tx.Args.ValueKind != JsonValueKind.Object || !tx.Args.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.String
            || !registry.TryGetZone(to.GetString()!, out _))
        {
            rejection = new(RejectReason.InvalidArguments, $"args.to must name a zone of the network ({string.Join(", ", registry.Zones.Select(z => z.Id))})");
            return false;
        }
        request = new MigrationRequest(tx, to.GetString()!);
        return true;
    }

    /// <summary>The zone that initiates a migration to <paramref name="toZone"/>: the destination (leader election) or the stable zone.</summary>
    public static string InitiatorZone(NetworkRegistry registry, string toZone) =>
        registry.Global.Leader == GlobalLeaderMode.StableLeader ? registry.Global.StableZoneOr(registry.Zones) : toZone;

    /// <summary>
    /// An order inside a step: its request must decode and verify, and the order's device, destination and
    /// timestamp must be the request's. <c>from_zone</c> is the proposer's metadata, checked where it matters.
    /// </summary>
    public static bool TryCheckOrder(MigrationOrder order, NetworkRegistry registry, out MigrationRequest request, out string reason)
    {
        if (!TryDecode(order.Request.ToByteArray(), registry, out request, out var rejection))
        {
            reason = $"the order's request is invalid: {rejection}";
            return false;
        }
        return Matches(order, request, out reason);
    }

    /// <summary>The order's device, destination and timestamp are its signed request's.</summary>
    public static bool Matches(MigrationOrder order, MigrationRequest request, out string reason)
    {
        if (request.Device != order.Device || request.ToZone != order.ToZone || request.Timestamp != order.Timestamp)
        {
            reason = $"the order ({order.Device}@{order.Timestamp} to {order.ToZone}) differs from its signed request ({request.Device}@{request.Timestamp} to {request.ToZone})";
            return false;
        }
        reason = "";
        return true;
    }

    internal static Bytes32 Digest(MigrationOrder order) => Sha256Digest.Of(order.Request.Span);
}
