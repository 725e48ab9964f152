using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>A message to send: to one gateway, or to every other gateway of the zone when <see cref="To"/> is null.</summary>
public readonly record struct Outbound(int? To, PeerMessage Message);

/// <summary>
/// A batch this replica committed (2f_R+1 matching signed COMMITs), with the certificate executors
/// check. Committed batches are delivered as they commit, in any sequence order (out-of-order
/// spawning, serverlessbft §6.1).
/// </summary>
public sealed record CommittedBatch(ulong Seq, ulong View, Bytes32 Digest, Batch Batch, Bytes32[] TxDigests, CommitCertificate Certificate);

/// <summary>Everything a step produced, for the host to act on (etcd raft's Ready).</summary>
public sealed class ReplicaReady
{
    public List<Outbound> Messages { get; } = [];
    public List<CommittedBatch> Committed { get; } = [];
    public List<(ClientRequest Request, string Reason)> Refused { get; } = [];
    public bool IsEmpty => Messages.Count == 0 && Committed.Count == 0 && Refused.Count == 0;
}
