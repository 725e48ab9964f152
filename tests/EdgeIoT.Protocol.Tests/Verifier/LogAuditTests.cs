using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Protocol.Tests.Verifier;

public sealed class LogAuditTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeiot-audit-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string RunBatches(TestNetwork network)
    {
        var path = Path.Combine(_dir, "verifier.db");
        using var database = VerifierDatabase.Open(path, network.Registry);
        var cache = new CommittedStateCache(database);
        var core = new VerifierCore(network.Registry, cache);
        var random = new Random(5);
        for (var seq = 1UL; seq <= 6; seq++)
        {
            var batch = Executions.Batch(Enumerable.Range(0, 4).Select(i => (i % 3) switch
            {
                0 => network.Tx($"d{i}", "ledger", "transfer", new { from = $"acct/{random.Next(10)}", to = $"acct/{random.Next(10)}", amount = 3 }),
                1 => network.Tx($"d{i}", "kv", "rmw", new { key = $"kv/{random.Next(5)}", value = "+" }),
                _ => network.Tx($"d{i}", "telemetry", "reading", new { value = random.Next(60, 100) }),
            }).ToArray());
            foreach (var e in new[] { 0, 1 })
            {
                Assert.True(Executions.Executor(network, e).TryAccept(Executions.SignedExecute(network, seq, batch), out var execution, out _, out _));
                var snapshot = new MemoryState(network);
                foreach (var (key, value) in database.ReadAllKv()) snapshot.Rows[key] = value;
                core.OnVerify(Executions.Vote(network, Executions.Run(execution, snapshot).SignedVerify!));
            }
            var ready = core.TakeReady();
            database.Persist(ready);
            cache.Apply(ready);
            core.Advance();
        }
        return path;
    }

    [Fact]
    public void A_database_written_by_the_verifier_equals_the_replay_of_its_log()
    {
        using var network = new TestNetwork(kvKeys: 10);
        var path = RunBatches(network);
        using var database = VerifierDatabase.OpenReadOnly(path);
        var report = LogAudit.Run(network.Registry, database);
        Assert.True(report.Passed, string.Join("\n", report.Violations));
        Assert.Equal(24, report.Transactions);
        Assert.True(report.Committed > 10);
    }

    [Theory]
    [InlineData("UPDATE kv SET value = '999999' WHERE key = 'acct/3'", "row acct/3")]
    [InlineData("DELETE FROM batches WHERE seq = 3", "jump")]
    [InlineData("UPDATE txlog SET result = '{\"ok\":true}' WHERE seq = 2 AND pos = 0 AND status = 1", "differs from the replayed")]
    [InlineData("INSERT INTO kv(key, value, version) VALUES ('kv/forged', 'x', 0)", "no committed transaction wrote it")]
    [InlineData("UPDATE batches SET zone_digest = zeroblob(32) WHERE zone = 'z1' AND seq = 4", "zone z1 batch 4: the stored zone digest")]
    [InlineData("UPDATE txlog SET tx = CAST(tx || x'20' AS BLOB) WHERE seq = 2 AND pos = 1", "zone z1 batch 2: the stored zone digest")]
    public void The_audit_catches_a_deliberately_corrupted_database(string corruption, string expected)
    {
        using var network = new TestNetwork(kvKeys: 10);
        var path = RunBatches(network);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = corruption;
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        using var database = VerifierDatabase.OpenReadOnly(path);
        var report = LogAudit.Run(network.Registry, database);
        Assert.False(report.Passed);
        Assert.Contains(report.Violations, v => v.Contains(expected));
    }
}
