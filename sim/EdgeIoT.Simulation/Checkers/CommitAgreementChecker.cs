using EdgeIoT.Core.Crypto;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// Shim non-divergence (serverlessbft §4.5): no two correct gateways commit different batch digests
/// at the same (zone, k), whatever the view; and the verifier never decides, at k, a batch other than
/// the one correct gateways committed there (verifier non-divergence).
/// </summary>
public sealed class CommitAgreementChecker(World world) : Checker(world)
{
    private readonly Dictionary<(int Zone, ulong Seq), (Bytes32 Digest, string Gateway)> _committed = new();
    private readonly Dictionary<(int Zone, ulong Seq), Bytes32> _decided = new();

    public override string Name => "commit-agreement";
    public long Commits { get; private set; }

    public override void OnGatewayCommitted(SimGateway gateway, CommittedBatch batch)
    {
        Commits++;
        var key = (gateway.ZoneIndex, batch.Seq);
        if (_committed.TryGetValue(key, out var earlier) && earlier.Digest != batch.Digest)
            throw Violation($"zone {gateway.Zone.Id} k={batch.Seq}: correct gateway {earlier.Gateway} committed {Short(earlier.Digest)} but correct gateway {gateway.Name} committed {Short(batch.Digest)} (view {batch.View})");
        if (_decided.TryGetValue(key, out var decided) && decided != batch.Digest)
            throw Violation($"zone {gateway.Zone.Id} k={batch.Seq}: correct gateway {gateway.Name} committed {Short(batch.Digest)} but the verifier decided {Short(decided)}");
        _committed.TryAdd(key, (batch.Digest, gateway.Name));
    }

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        var key = (World.ZoneIndex(batch.Zone), batch.Seq);
        if (_committed.TryGetValue(key, out var committed) && committed.Digest != batch.BatchDigest)
            throw Violation($"zone {batch.Zone} k={batch.Seq}: the verifier decided {Short(batch.BatchDigest)} but correct gateway {committed.Gateway} committed {Short(committed.Digest)}");
        _decided[key] = batch.BatchDigest;
    }

    internal static string Short(Bytes32 digest) => digest.ToHex()[..12];
}
