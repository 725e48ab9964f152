using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using EdgeIoT.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Protocol.Tests.Verifier;

/// <summary>
/// A zone's decided-history chain D_k (docs/zones.md decision Z4), what its lazy checkpoints carry: the
/// verifier computes it deciding k, stores it with the batch, signs it in the DECIDED notice, resumes it
/// after a restart, and migrates a schema-2 file by recomputing it from the stored log.
/// </summary>
public sealed class ZoneDigestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeiot-zone-digest-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_chain_is_the_documented_encoding()
    {
        // An independent spelling of the definition: domain, D_{k-1}, u64be(k), then tx_digest || u8 status.
        var previous = new Bytes32(SHA256.HashData("previous"u8));
        var a = new Bytes32(SHA256.HashData("a"u8));
        var b = new Bytes32(SHA256.HashData("b"u8));
        var input = new List<byte>(Encoding.ASCII.GetBytes("edgeiot/v1/zone-history\0"));
        input.AddRange(previous.ToArray());
        var seq = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(seq, 7);
        input.AddRange(seq);
        input.AddRange(a.ToArray());
        input.Add(1);
        input.AddRange(b.ToArray());
        input.Add(4);
        var expected = new Bytes32(SHA256.HashData(input.ToArray()));

        Assert.Equal(expected, ZoneHistoryChain.Next(previous, 7, [(a, TxStatus.Committed), (b, TxStatus.System)]));
        Assert.NotEqual(expected, ZoneHistoryChain.Next(previous, 7, [(a, TxStatus.Aborted), (b, TxStatus.System)]));
        Assert.NotEqual(expected, ZoneHistoryChain.Next(previous, 8, [(a, TxStatus.Committed), (b, TxStatus.System)]));
        Assert.True(ZoneHistoryChain.Genesis.IsZero);
    }

    [Fact]
    public void D_k_is_computed_deciding_k_stored_with_the_batch_signed_in_the_notice_and_resumed_after_a_restart()
    {
        using var network = new TestNetwork(kvKeys: 10);
        var path = Path.Combine(_dir, "verifier.db");
        var decided = new List<DecidedBatch>();
        using (var database = VerifierDatabase.Open(path, network.Registry))
        {
            var cache = new CommittedStateCache(database);
            var core = new VerifierCore(network.Registry, cache);
            var first = network.Tx("d1", "kv", "update", new { key = "kv/1", value = "x" });
            decided.Add(Decide(network, database, cache, core, 1, first, network.Tx("d2", "telemetry", "reading", new { value = 70 })));
            // A replayed transaction is rejected: statuses differ within a batch.
            decided.Add(Decide(network, database, cache, core, 2, first, network.Tx("d3", "kv", "update", new { key = "kv/2", value = "y" })));
            decided.Add(Decide(network, database, cache, core, 3, network.Tx("d1", "kv", "update", new { key = "kv/3", value = "z" })));
        }
        Assert.Contains(decided[1].Entries, e => e.Status == TxStatus.Rejected);

        var chain = ZoneHistoryChain.Genesis;
        foreach (var batch in decided)
        {
            chain = ZoneHistoryChain.Next(chain, batch.Seq, batch.Entries.Select(e => (Sha256Digest.Of(e.Tx), e.Status)));
            Assert.Equal(chain, batch.ZoneDigest);
            var notice = VerifierMessages.Decided(batch, 0);
            Assert.Equal(batch.ZoneDigest.ToArray(), notice.Decided.ZoneDigest.ToByteArray());
        }
        Assert.Equal(3, decided.Select(b => b.ZoneDigest).Distinct().Count());

        using (var reopened = VerifierDatabase.Open(path, network.Registry))
        {
            Assert.Equal(decided.Select(b => ((ulong, Bytes32?, Bytes32))(b.Seq, b.ZoneDigest, b.ZoneDigest)), reopened.ReplayZoneHistory("z1"));
            var cache = new CommittedStateCache(reopened);
            Assert.Equal(decided[2].ZoneDigest, cache.ZoneDigest("z1"));
            Assert.Equal(ZoneHistoryChain.Genesis, cache.ZoneDigest("z2"));
            // A restarted verifier goes on from D_3, not from zero.
            var core = new VerifierCore(network.Registry, cache);
            var fourth = Decide(network, reopened, cache, core, 4, network.Tx("d2", "kv", "update", new { key = "kv/4", value = "w" }));
            Assert.Equal(ZoneHistoryChain.Next(decided[2].ZoneDigest, 4, fourth.Entries.Select(e => (Sha256Digest.Of(e.Tx), e.Status))), fourth.ZoneDigest);
            Assert.True(LogAudit.Run(network.Registry, reopened).Passed);
        }
    }

    [Fact]
    public void A_schema_2_file_is_migrated_in_place_with_each_zone_chain_recomputed_from_its_log()
    {
        using var network = new TestNetwork(kvKeys: 10, zones: 2);
        var path = Path.Combine(_dir, "verifier.db");
        var decided = new List<DecidedBatch>();
        using (var database = VerifierDatabase.Open(path, network.Registry))
        {
            var cache = new CommittedStateCache(database);
            var core = new VerifierCore(network.Registry, cache);
            for (var seq = 1UL; seq <= 3; seq++)
                decided.Add(Decide(network, database, cache, core, seq, network.Tx($"d{seq}", "kv", "update", new { key = $"kv/{seq}", value = $"v{seq}" })));
        }
        DowngradeToSchema2(path);
        using (var old = VerifierDatabase.OpenReadOnly(path)) Assert.False(old.HasZoneDigests);

        using (var migrated = VerifierDatabase.Open(path, network.Registry))
        {
            Assert.True(migrated.HasZoneDigests);
            Assert.Equal(decided.Select(b => ((ulong, Bytes32?, Bytes32))(b.Seq, b.ZoneDigest, b.ZoneDigest)), migrated.ReplayZoneHistory("z1"));
            Assert.Empty(migrated.ReplayZoneHistory("z2"));
            Assert.True(LogAudit.Run(network.Registry, migrated).Passed);
            var cache = new CommittedStateCache(migrated);
            Assert.Equal(decided[2].ZoneDigest, cache.ZoneDigest("z1"));
            var core = new VerifierCore(network.Registry, cache);
            var fourth = Decide(network, migrated, cache, core, 4, network.Tx("d1", "kv", "update", new { key = "kv/9", value = "q" }));
            Assert.Equal(ZoneHistoryChain.Next(decided[2].ZoneDigest, 4, fourth.Entries.Select(e => (Sha256Digest.Of(e.Tx), e.Status))), fourth.ZoneDigest);
        }
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var schema = connection.CreateCommand();
        schema.CommandText = "SELECT value FROM meta WHERE key = 'schema'";
        Assert.Equal("3", schema.ExecuteScalar());
    }

    [Fact]
    public void A_file_of_an_older_schema_is_refused_with_the_versions_named()
    {
        using var network = new TestNetwork();
        var path = Path.Combine(_dir, "verifier.db");
        VerifierDatabase.Open(path, network.Registry).Dispose();
        Execute(path, "UPDATE meta SET value = '1' WHERE key = 'schema'");
        var error = Assert.Throws<ConfigurationException>(() => VerifierDatabase.Open(path, network.Registry));
        Assert.Contains("schema version 1", error.Message);
        Assert.Contains("migrates 2", error.Message);
    }

    /// <summary>Rewrites the file's <c>batches</c> table exactly as schema 2 declared it (no zone_digest) and marks the file version 2.</summary>
    private static void DowngradeToSchema2(string path) => Execute(path, """
        CREATE TABLE batches_v2(zone TEXT NOT NULL, seq INTEGER NOT NULL, digest BLOB NOT NULL, txs INTEGER NOT NULL,
            ord INTEGER NOT NULL, PRIMARY KEY(zone, seq)) WITHOUT ROWID;
        INSERT INTO batches_v2(zone, seq, digest, txs, ord) SELECT zone, seq, digest, txs, ord FROM batches;
        DROP TABLE batches;
        ALTER TABLE batches_v2 RENAME TO batches;
        UPDATE meta SET value = '2' WHERE key = 'schema';
        """);

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static DecidedBatch Decide(TestNetwork network, VerifierDatabase database, CommittedStateCache cache, VerifierCore core, ulong seq, params byte[][] txs)
    {
        var batch = Executions.Batch(txs);
        foreach (var e in new[] { 0, 2 })
        {
            Assert.True(Executions.Executor(network, e).TryAccept(Executions.SignedExecute(network, seq, batch), out var execution, out _, out var reason), reason);
            var snapshot = new MemoryState(network);
            foreach (var (key, value) in database.ReadAllKv()) snapshot.Rows[key] = value;
            foreach (var (device, ts) in database.ReadDeviceTimestamps()) snapshot.Timestamps[device] = ts;
            core.OnVerify(Executions.Vote(network, Executions.Run(execution, snapshot).SignedVerify!));
        }
        var ready = core.TakeReady();
        database.Persist(ready);
        cache.Apply(ready);
        core.Advance();
        return Assert.Single(ready);
    }
}
