namespace EdgeIoT.Core.Envelope;

/// <summary>
/// Why a device transaction was refused. The wire form (<see cref="RejectReasons.Code"/>) is what
/// devices see on their error topic and in verifier responses; docs/protocol.md lists every code.
/// </summary>
public enum RejectReason : byte
{
    None = 0,
    PayloadTooLarge,
    MalformedEnvelope,
    UnsupportedAlgorithm,
    UnknownDevice,
    BadSignature,
    MalformedPayload,
    DeviceMismatch,
    WrongZone,
    UnknownApplication,
    UnknownOperation,
    InvalidArguments,
    StaleTimestamp,
    Overloaded,
    NotOwner,
    /// <summary>The device is locked for a migration (ziziphus §3.1 lock bit).</summary>
    Migrating,
    /// <summary>A network-wide policy refused a global transaction (ziziphus §2.2).</summary>
    Policy,
}

public static class RejectReasons
{
    public static string Code(this RejectReason reason) => reason switch
    {
        RejectReason.None => "none",
        RejectReason.PayloadTooLarge => "payload-too-large",
        RejectReason.MalformedEnvelope => "malformed-jws",
        RejectReason.UnsupportedAlgorithm => "unsupported-algorithm",
        RejectReason.UnknownDevice => "unknown-device",
        RejectReason.BadSignature => "bad-signature",
        RejectReason.MalformedPayload => "malformed-payload",
        RejectReason.DeviceMismatch => "device-mismatch",
        RejectReason.WrongZone => "wrong-zone",
        RejectReason.UnknownApplication => "unknown-application",
        RejectReason.UnknownOperation => "unknown-operation",
        RejectReason.InvalidArguments => "invalid-arguments",
        RejectReason.StaleTimestamp => "stale-timestamp",
        RejectReason.Overloaded => "overloaded",
        RejectReason.NotOwner => "not-owner",
        RejectReason.Migrating => "migrating",
        RejectReason.Policy => "policy",
        _ => "unknown",
    };
}

/// <summary>A refusal with its reason and a human-readable detail.</summary>
public readonly record struct Rejection(RejectReason Reason, string Detail)
{
    public string Code => Reason.Code();
    public override string ToString() => $"{Code}: {Detail}";
}
