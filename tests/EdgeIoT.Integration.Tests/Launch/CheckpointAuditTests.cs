using EdgeIoT.Cli.Audit;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Provisioning;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using EdgeIoT.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// The lazy-checkpoint half of <c>edgeiot audit</c> (docs/zones.md decision Z4) over a verifier database
/// with three decided batches of z1 and gateways' checkpoint journals: it passes when they agree and
/// names each injected disagreement — a wrong checkpoint, one the verifier never decided, a tampered
/// stored digest, a tampered log row.
/// </summary>
public sealed class CheckpointAuditTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly NetworkLayout _layout;
    private readonly NetworkRegistry _registry;
    private readonly string _database;
    private readonly List<Bytes32> _chain = [ZoneHistoryChain.Genesis];

    public CheckpointAuditTests()
    {
        _layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Zones = 3, Devices = 3, BasePort = TestNetworks.FreeBasePort() }, _temp.Sub("net"));
        _registry = NetworkRegistry.Load(_layout.Registry);
        _database = Path.Combine(_layout.State(NetworkLayout.VerifierId), "verifier.db");
        using var database = VerifierDatabase.Open(_database, _registry);
        for (var seq = 1UL; seq <= 3; seq++)
        {
            // Rows as the verifier writes them; the chain as it computes it (ZoneHistoryChain).
            var entries = Enumerable.Range(0, 2).Select(p => new DecidedEntry("z1", seq, p, "d0001", seq * 10 + (ulong)p,
                Sha256Digest.Of([(byte)seq, (byte)p]), p == 0 ? TxStatus.Committed : TxStatus.Rejected, "", "", [(byte)seq, (byte)p])).ToList();
            _chain.Add(ZoneHistoryChain.Next(_chain[^1], seq, entries.Select(e => (Sha256Digest.Of(e.Tx), e.Status))));
            database.Persist([new DecidedBatch("z1", seq, default, entries, [], new Dictionary<string, ulong>(), []) { ZoneDigest = _chain[^1] }]);
        }
    }

    public void Dispose() => _temp.Dispose();

    private void Hold(string gateway, string zone, ulong seq, Bytes32 digest)
    {
        var path = Path.Combine(_layout.State(gateway), CheckpointJournalEntry.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, new CheckpointJournalEntry(zone, seq, digest.ToHex(), "COMMIT", "z2", 1).ToLine() + "\n");
    }

    private CheckpointAudit.Report Audit()
    {
        using var database = VerifierDatabase.OpenReadOnly(_database);
        return CheckpointAudit.Run(_layout, _registry, database, 50);
    }

    private static void Tamper(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    [Fact]
    public void Checkpoints_equal_to_the_verifier_zone_digests_pass()
    {
        Hold("z1-g0", "z1", 2, _chain[2]);
        Hold("z2-g3", "z1", 2, _chain[2]);
        Hold("z3-g1", "z1", 3, _chain[3]);
        var report = Audit();
        Assert.Empty(report.Violations);
        Assert.Equal((3, 3, 2), (report.Gateways, report.Checkpoints, report.Distinct));
    }

    [Fact]
    public void A_checkpoint_with_another_digest_is_caught_and_names_its_gateway()
    {
        Hold("z1-g0", "z1", 3, _chain[3]);
        Hold("z3-g2", "z1", 3, _chain[2]);
        var violation = Assert.Single(Audit().Violations, v => v.Contains("stored"));
        Assert.Contains("gateway z3-g2 holds a certified checkpoint of z1 at 3", violation);
    }

    [Fact]
    public void A_checkpoint_of_a_sequence_the_verifier_never_decided_is_caught()
    {
        Hold("z2-g0", "z1", 4, _chain[3]);
        Assert.Contains("the verifier never decided z1/4", Assert.Single(Audit().Violations));
    }

    [Fact]
    public void A_tampered_stored_digest_is_caught_though_the_checkpoint_is_right()
    {
        Hold("z2-g1", "z1", 2, _chain[2]);
        Tamper(_database, "UPDATE batches SET zone_digest = zeroblob(32) WHERE zone = 'z1' AND seq = 2");
        Assert.Contains("the verifier stored D_2 = 0000000000000000", Assert.Single(Audit().Violations));
    }

    [Fact]
    public void A_tampered_log_row_is_caught_by_the_recomputed_chain()
    {
        Hold("z2-g1", "z1", 3, _chain[3]);
        Tamper(_database, "UPDATE txlog SET status = 2 WHERE zone = 'z1' AND seq = 1 AND pos = 1");
        Assert.Contains("recomputed from the verifier's log of z1", Assert.Single(Audit().Violations));
    }
}
