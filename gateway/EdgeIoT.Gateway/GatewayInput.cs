using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway;

/// <summary>One input for the gateway's protocol loop; exactly one field is set (with From and GlobalZone for a global message).</summary>
internal readonly record struct GatewayInput(
    ClientRequest? Request = null,
    int From = -1,
    PeerMessage? Peer = null,
    VerifierNotice? Notice = null,
    byte[]? NoticeBytes = null,
    int Ticks = 0,
    byte[]? Migration = null,
    Wire.GlobalMessage? Global = null,
    string? GlobalZone = null);
