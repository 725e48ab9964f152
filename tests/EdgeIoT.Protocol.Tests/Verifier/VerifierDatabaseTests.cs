using EdgeIoT.Core.Config;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using EdgeIoT.Wire;

namespace EdgeIoT.Protocol.Tests.Verifier;

public sealed class VerifierDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeiot-db-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Decisions_survive_a_reopen_and_the_cache_matches_the_rows()
    {
        using var network = new TestNetwork(kvKeys: 20);
        var path = Path.Combine(_dir, "verifier.db");
        List<DecidedBatch> decided;
        using (var database = VerifierDatabase.Open(path, network.Registry))
        {
            var cache = new CommittedStateCache(database);
            Assert.Equal(30, cache.RowCount); // 20 kv keys + 10 accounts
            var core = new VerifierCore(network.Registry, cache);
            decided = [];
            for (var seq = 1UL; seq <= 3; seq++)
            {
                var batch = Executions.Batch(network.Tx($"d{seq}", "kv", "update", new { key = $"kv/{seq}", value = $"v{seq}" }));
                foreach (var i in new[] { 0, 2 })
                {
                    Assert.True(Executions.Executor(network, i).TryAccept(Executions.SignedExecute(network, seq, batch), out var execution, out _, out _));
                    var state = new MemoryState(network);
                    core.OnVerify(Executions.Vote(network, Executions.Run(execution, state).SignedVerify!));
                }
                var ready = core.TakeReady();
                database.Persist(ready);
                cache.Apply(ready);
                core.Advance();
                decided.AddRange(ready);
            }
            Assert.Equal(4UL, database.NextSeq("z1"));
        }

        using (var reopened = VerifierDatabase.Open(path, network.Registry))
        {
            var cache = new CommittedStateCache(reopened);
            Assert.Equal(4UL, cache.NextSeq("z1"));
            Assert.Equal("v2", cache.Get("kv/2").Value);
            Assert.Equal(decided[1].Writes[0].Version, cache.Get("kv/2").Version);
            Assert.Equal(decided[2].Entries[0].Timestamp, cache.LastTimestamp("d3"));
            Assert.True(cache.TryFindDecided("d1", decided[0].Entries[0].Timestamp, out var entry));
            Assert.Equal(TxStatus.Committed, entry.Status);
            Assert.Equal(decided[0].Entries[0].Tx, entry.Tx);
            Assert.Equal(3, reopened.ReadLog().Count());

            // What the restarted verifier announces again: the last batch's notice, byte for byte as first sent.
            var latest = reopened.ReadLatestDecided("z1");
            Assert.NotNull(latest);
            Assert.Equal(3UL, latest.Seq);
            var issuedMs = 1234UL;
            Assert.Equal(VerifierMessages.Decided(decided[2], issuedMs), VerifierMessages.Decided(latest, issuedMs));
            Assert.Null(reopened.ReadLatestDecided("z2"));
        }
    }

    [Fact]
    public void A_database_of_another_network_is_refused()
    {
        using var network = new TestNetwork();
        var path = Path.Combine(_dir, "verifier.db");
        VerifierDatabase.Open(path, network.Registry).Dispose();
        network.Registry.NetworkId = "another";
        var error = Assert.Throws<ConfigurationException>(() => VerifierDatabase.Open(path, network.Registry));
        Assert.Contains("belongs to network", error.Message);
    }
}
