using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway;

/// <summary>One input for the gateway's protocol loop; at most one field is set (with From and GlobalZone for a global message). None set: the clock's wake-up (<see cref="ClockWake"/>).</summary>
internal readonly record struct GatewayInput(
    ClientRequest? Request = null,
    int From = -1,
    PeerMessage? Peer = null,
    VerifierNotice? Notice = null,
    byte[]? NoticeBytes = null,
    byte[]? Migration = null,
    Wire.GlobalMessage? Global = null,
    string? GlobalZone = null)
{
    public static readonly GatewayInput ClockWake = new();
}
