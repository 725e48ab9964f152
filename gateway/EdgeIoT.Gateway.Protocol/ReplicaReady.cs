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

/// <summary>
/// Everything a step produced, for the host to act on (etcd raft's Ready). The host persists
/// <see cref="Persist"/> durably BEFORE sending <see cref="Messages"/>: a replica must never have said
/// something it would not remember after a crash.
/// </summary>
public sealed class ReplicaReady
{
    public List<Outbound> Messages { get; } = [];
    public List<CommittedBatch> Committed { get; } = [];
    public List<(ClientRequest Request, string Reason)> Refused { get; } = [];
    /// <summary>State to write before sending, or null when nothing changed.</summary>
    public PersistedView? PersistView { get; set; }
    public Dictionary<ulong, PersistedEntry> PersistEntries { get; } = [];
    /// <summary>Entries at or below this sequence number may be deleted from durable storage.</summary>
    public ulong? PruneThrough { get; set; }
    /// <summary>This replica started a view change (for logs and metrics).</summary>
    public List<(ulong View, string Reason)> ViewChangesStarted { get; } = [];
    public List<ulong> ViewsInstalled { get; } = [];
    /// <summary>This replica suspected its primary (timer), for logs and metrics.</summary>
    public List<(ulong View, string Reason)> Suspicions { get; } = [];
    /// <summary>Verifier complaints backups forwarded to this primary (signed notices, checked by the authenticator).</summary>
    public List<(int From, byte[] Notice)> ForwardedNotices { get; } = [];

    public bool IsEmpty => Messages.Count == 0 && Committed.Count == 0 && Refused.Count == 0 && PersistView is null && PersistEntries.Count == 0;
    public bool NeedsPersistence => PersistView is not null || PersistEntries.Count > 0 || PruneThrough is not null;
}
