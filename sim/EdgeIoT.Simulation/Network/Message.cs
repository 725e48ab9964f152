namespace EdgeIoT.Simulation.Network;

/// <summary>What travels, named after the production channel that carries it.</summary>
public enum MessageKind : byte
{
    /// <summary>A device's JWS on the zone's transaction topic (MQTT), one copy per gateway.</summary>
    Transaction,
    /// <summary>A PeerMessage between gateways of a zone (MAC'd TCP link, so the sender is authentic).</summary>
    Peer,
    /// <summary>Signed{Execute} from a gateway's invoker to an executor (HTTP POST /api/execute).</summary>
    Execute,
    /// <summary>ReadRequest from an executor to the verifier (POST /v1/read).</summary>
    Read,
    /// <summary>ReadResponse back to the executor.</summary>
    ReadReply,
    /// <summary>Signed{Verify} from an executor to the verifier (POST /v1/verify).</summary>
    Verify,
    /// <summary>Signed{VerifierNotice} to a zone's gateways (MQTT notices topic).</summary>
    Notice,
    /// <summary>A verifier-signed RESPONSE JWS to a device (MQTT response topic or the direct endpoint's answer).</summary>
    Response,
    /// <summary>A device's JWS sent to the verifier directly after a timeout (POST /v1/transactions).</summary>
    DirectTransaction,
    /// <summary>A gateway-signed refusal JWS on the device's error topic.</summary>
    GatewayError,
}

/// <summary>
/// One message in flight. <see cref="Body"/> holds the exact bytes production would send; receivers
/// parse and authenticate them as production does. Duplicated copies share the array: nobody may
/// mutate a body after sending it.
/// </summary>
public sealed record Message(long Id, NodeId From, NodeId To, MessageKind Kind, byte[] Body, long Correlation);
