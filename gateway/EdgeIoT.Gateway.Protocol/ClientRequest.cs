using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// A device transaction the host has already decoded and authenticated (signature, registered
/// device, this zone, enabled application). The replica orders its exact bytes.
/// </summary>
public sealed record ClientRequest(Bytes32 Digest, byte[] Raw, string Device, ulong Timestamp);
