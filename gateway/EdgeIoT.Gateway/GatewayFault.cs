using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway;

/// <summary>
/// Fault injection for tests with real processes (issue: byzantine resilience): the real gateway with
/// one step swapped for a misbehaving one while it is the primary, in the manner of CometBFT's
/// byzantine tests. Set with <c>"byzantine"</c> in the gateway's process configuration.
/// </summary>
internal enum GatewayFaultKind
{
    None,
    /// <summary>S1: as primary, drop every device request instead of proposing it.</summary>
    IgnoreRequests,
    /// <summary>S3: as primary, spawn only one executor per batch.</summary>
    FewExecutors,
    /// <summary>D2: as primary, send each backup a different batch for the same sequence number.</summary>
    Equivocate,
}

internal sealed class GatewayFault(GatewayFaultKind kind, ZoneInfo zone, int self, SigningKey key)
{
    public GatewayFaultKind Kind { get; } = kind;

    public static GatewayFaultKind Parse(string? name) => name switch
    {
        null or "" or "none" => GatewayFaultKind.None,
        "ignore-requests" => GatewayFaultKind.IgnoreRequests,
        "few-executors" => GatewayFaultKind.FewExecutors,
        "equivocate" => GatewayFaultKind.Equivocate,
        _ => throw new ConfigurationException($"unknown gateway behaviour \"{name}\" (known: none, ignore-requests, few-executors, equivocate)"),
    };

    public bool DropsRequest(PbftReplica replica) => Kind == GatewayFaultKind.IgnoreRequests && replica.IsPrimary;

    public SpawnRequest Spawn(SpawnRequest spawn, PbftReplica replica) =>
        Kind == GatewayFaultKind.FewExecutors && replica.IsPrimary ? spawn with { Executors = spawn.Executors.Take(1).ToArray() } : spawn;

    /// <summary>
    /// Replaces a broadcast PRE-PREPARE by one variant per backup: the batch rotated (or repeated, for
    /// a single transaction) by the backup's index, each correctly signed, so every variant passes
    /// authentication and no two backups can prepare the same one.
    /// </summary>
    public IEnumerable<Outbound> Rewrite(Outbound outbound, PbftReplica replica)
    {
        if (Kind != GatewayFaultKind.Equivocate || !replica.IsPrimary || outbound.To is not null
            || outbound.Message.KindCase != PeerMessage.KindOneofCase.PrePrepare)
        {
            yield return outbound;
            yield break;
        }
        var original = outbound.Message.PrePrepare;
        for (var backup = 0; backup < zone.Gateways.Count; backup++)
        {
            if (backup == self) continue;
            var variant = new Batch();
            var txs = original.Batch.Txs;
            if (txs.Count == 1) for (var i = 0; i <= backup; i++) variant.Txs.Add(txs[0]);
            else for (var i = 0; i < txs.Count; i++) variant.Txs.Add(txs[(i + backup) % txs.Count]);
            var digest = Batches.Digest(variant);
            yield return new Outbound(backup, new PeerMessage
            {
                PrePrepare = new PrePrepare
                {
                    View = original.View,
                    Seq = original.Seq,
                    BatchDigest = ByteString.CopyFrom(digest.ToArray()),
                    Batch = variant,
                    Signature = ByteString.CopyFrom(PhaseStatement.Sign(key, SignatureDomain.PrePrepare, zone.Id, original.View, original.Seq, digest)),
                },
            });
        }
    }
}
