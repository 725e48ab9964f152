using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using EdgeIoT.Wire;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Protocol.Tests.Verifier;

/// <summary>
/// The verifier's half of a migration (docs/zones.md): ownership decides which zone may commit a
/// device's transactions, LOCK fixes the history at the lock point, ADOPT moves ownership only with
/// exactly that history — through real executors, the verifier core, SQLite and the audit.
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeiot-migration-").FullName;
    private readonly TestNetwork _network = new(zones: 2, kvKeys: 10);
    private readonly VerifierDatabase _database;
    private readonly CommittedStateCache _cache;
    private readonly VerifierCore _core;
    private readonly Dictionary<string, ulong> _nextSeq = new() { ["z1"] = 1, ["z2"] = 1 };

    public MigrationTests()
    {
        _database = VerifierDatabase.Open(Path.Combine(_dir, "verifier.db"), _network.Registry);
        _cache = new CommittedStateCache(_database);
        _core = new VerifierCore(_network.Registry, _cache);
    }

    public void Dispose()
    {
        _database.Dispose();
        _network.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Orders <paramref name="txs"/> as the zone's next batch: two executors run it, the verifier decides and persists it.</summary>
    private DecidedBatch Decide(string zone, params byte[][] txs)
    {
        var seq = _nextSeq[zone]++;
        var batch = Executions.Batch(txs);
        foreach (var e in new[] { 0, 1 })
        {
            Assert.True(Executions.Executor(_network, e).TryAccept(Executions.SignedExecute(_network, seq, batch, zone: zone), out var execution, out _, out var reason), reason);
            var snapshot = new MemoryState(_network);
            foreach (var (key, value) in _database.ReadAllKv()) snapshot.Rows[key] = value;
            foreach (var (device, ts) in _database.ReadDeviceTimestamps()) snapshot.Timestamps[device] = ts;
            _core.OnVerify(Executions.Vote(_network, Executions.Run(execution, snapshot).SignedVerify!));
        }
        var ready = _core.TakeReady();
        _database.Persist(ready);
        _cache.Apply(ready);
        _core.Advance();
        return Assert.Single(ready);
    }

    private CertifiedStep Certify(GlobalStep step, int endorsers = 3)
    {
        var body = step.ToByteArray();
        var certified = new CertifiedStep { Body = ByteString.CopyFrom(body) };
        var keys = _network.ZoneKeys[step.Zone];
        for (var i = 0; i < endorsers; i++)
            certified.Endorsements.Add(StepCertificates.Endorse(keys[i], i, body));
        return certified;
    }

    private (byte[] Lock, byte[] Request) LockEntry(string device, string from, string to, ulong ballot = 1)
    {
        var request = _network.Tx(device, "sys", "migrate", new { to }, zone: to);
        Assert.True(JwsCompact.TryParse(request, 4096, out var parsed, out _));
        var timestamp = System.Text.Json.JsonDocument.Parse(parsed.Payload).RootElement.GetProperty("ts").GetUInt64();
        var commit = new GlobalStep
        {
            Kind = GlobalStepKind.GlobalStepCommit, Zone = to, Ballot = new Ballot { N = ballot, Zone = to }, Slot = ballot,
            RequestDigest = ByteString.CopyFrom(Sha256Digest.Of(request).ToArray()),
            Order = new MigrationOrder { Device = device, FromZone = from, ToZone = to, Timestamp = timestamp, Request = ByteString.CopyFrom(request) },
        };
        return (SystemEntries.Encode(new SystemEntry { Lock = Certify(commit) }), request);
    }

    private byte[] AdoptEntry(string device, string from, MigrationReceipt receipt, byte[] request, ulong? count = null)
    {
        Assert.True(JwsCompact.TryParse(request, 4096, out var parsed, out _));
        var timestamp = System.Text.Json.JsonDocument.Parse(parsed.Payload).RootElement.GetProperty("ts").GetUInt64();
        return SystemEntries.Encode(new SystemEntry
        {
            Adopt = Certify(new GlobalStep
            {
                Kind = GlobalStepKind.GlobalStepHistory, Zone = from, Ballot = receipt.Ballot, Device = device, Slot = receipt.Ballot.N,
                RequestDigest = ByteString.CopyFrom(Sha256Digest.Of(request).ToArray()),
                Order = new MigrationOrder { Device = device, FromZone = from, ToZone = receipt.ToZone, Timestamp = timestamp, Request = ByteString.CopyFrom(request) },
                HistoryDigest = receipt.HistoryDigest, HistoryCount = count ?? receipt.HistoryCount,
            }),
        });
    }

    private byte[] Rmw(string device, string zone, int key) => _network.Tx(device, "kv", "rmw", new { key = $"kv/{key}", value = "+" }, zone: zone);

    [Fact]
    public void A_device_moves_with_exactly_its_history_and_each_zone_serves_it_only_while_it_owns_it()
    {
        Assert.All(Decide("z1", Rmw("d0", "z1", 0), Rmw("d0", "z1", 1)).Entries, e => Assert.Equal(TxStatus.Committed, e.Status));

        // The lock and a transaction ordered after it in the same batch: the lock point is exact.
        var (lockEntry, request) = LockEntry("d0", "z1", "z2");
        var locked = Decide("z1", Rmw("d0", "z1", 2), lockEntry, Rmw("d0", "z1", 3));
        Assert.Equal(TxStatus.Committed, locked.Entries[0].Status);
        Assert.Equal(TxStatus.System, locked.Entries[1].Status);
        Assert.Equal(TxStatus.Aborted, locked.Entries[2].Status);
        Assert.StartsWith("migrating: device d0 is moving to zone z2", locked.Entries[2].Reason);
        var receipt = Assert.Single(locked.Migrations);
        Assert.True(receipt.Applied, receipt.Reason);
        Assert.Equal(3UL, receipt.HistoryCount); // the three committed before the lock, not the one after

        // The destination may not serve the device before it adopts it.
        var early = Decide("z2", Rmw("d0", "z2", 4));
        Assert.Equal(TxStatus.Aborted, early.Entries[0].Status);
        Assert.StartsWith("wrong-zone: device d0 is served by zone z1", early.Entries[0].Reason);

        var adopted = Decide("z2", AdoptEntry("d0", "z1", receipt, request), Rmw("d0", "z2", 5));
        Assert.True(Assert.Single(adopted.Migrations).Applied, adopted.Migrations[0].Reason);
        // The ADOPT answers the device's migration request: its timestamp and digest are the request's.
        var answer = Assert.Single(VerifierMessages.ResponsesFor(adopted), e => e.Status == TxStatus.System);
        Assert.Equal(Sha256Digest.Of(request), answer.TxDigest);
        Assert.Equal(VerifierResponse.Committed, VerifierMessages.ToResponse(answer).Status);
        Assert.Equal(TxStatus.Committed, adopted.Entries[1].Status);
        // The zone's decided-history chain covers system entries by the bytes the zone ordered (the ADOPT
        // row's log digest is the request's, to answer the device; the chain uses the entry's own).
        Assert.Equal(ZoneHistoryChain.Next(early.ZoneDigest, adopted.Seq,
            [(Sha256Digest.Of(adopted.Entries[0].Tx), TxStatus.System), (Sha256Digest.Of(adopted.Entries[1].Tx), TxStatus.Committed)]), adopted.ZoneDigest);
        Assert.NotEqual(Sha256Digest.Of(adopted.Entries[0].Tx), adopted.Entries[0].TxDigest);
        Assert.Equal("z2", _core.Ownership("d0")!.Zone);
        Assert.Null(_core.Ownership("d0")!.Lock);

        // The source no longer commits for it.
        var late = Decide("z1", Rmw("d0", "z1", 6));
        Assert.StartsWith("wrong-zone: device d0 is served by zone z2", late.Entries[0].Reason);

        using var readOnly = VerifierDatabase.OpenReadOnly(_database.Path);
        var audit = LogAudit.Run(_network.Registry, readOnly);
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
        Assert.Equal(("d0", "z1", "z2", 3UL), readOnly.ReadMigrations().Select(m => (m.Device, m.From, m.To, m.HistoryCount)).Single());
        // Ownership survives a restart of the verifier.
        Assert.Equal("z2", new CommittedStateCache(readOnly).Ownership("d0")!.Zone);
    }

    [Fact]
    public void An_adopt_whose_certified_history_differs_from_storage_moves_nothing()
    {
        Decide("z1", Rmw("d1", "z1", 0));
        var (lockEntry, request) = LockEntry("d1", "z1", "z2");
        var receipt = Decide("z1", lockEntry).Migrations.Single();
        var refused = Decide("z2", AdoptEntry("d1", "z1", receipt, request, count: receipt.HistoryCount - 1)).Migrations.Single();
        Assert.False(refused.Applied);
        Assert.Contains("differs from storage", refused.Reason);
        Assert.Equal("z1", _core.Ownership("d1")!.Zone);
        Assert.NotNull(_core.Ownership("d1")!.Lock);
    }

    [Fact]
    public void System_entries_without_a_quorum_of_endorsements_or_for_another_zone_change_nothing()
    {
        var (lockEntry, request) = LockEntry("d2", "z1", "z2");
        var entry = SystemEntry.Parser.ParseFrom(lockEntry.AsSpan(1));
        while (entry.Lock.Endorsements.Count > 2) entry.Lock.Endorsements.RemoveAt(0);
        var weak = Decide("z1", SystemEntries.Encode(entry));
        Assert.Contains("has 2 distinct valid endorsements", weak.Entries[0].Reason);
        Assert.Null(_core.Ownership("d2")!.Lock);

        // A LOCK ordered by a zone that does not serve the device.
        var foreign = Decide("z2", LockEntry("d2", "z1", "z2", ballot: 2).Lock);
        Assert.Contains("not out of z2", foreign.Entries[0].Reason);
        Assert.Empty(foreign.Migrations);
        Assert.Null(_core.Ownership("d2")!.Lock);
        _ = request;
    }

    [Theory]
    [InlineData("UPDATE devices SET zone = 'z1' WHERE device = 'd0'", "device d0: the devices table says zone z1")]
    [InlineData("DELETE FROM migrations", "the migrations table lists 0 migrations")]
    [InlineData("UPDATE txlog SET status = 2 WHERE zone = 'z2' AND seq = 2 AND pos = 0", "zone z2 committed a transaction of device d0, which zone z1 served")]
    public void The_audit_catches_a_corrupted_ownership(string corruption, string expected)
    {
        Decide("z1", Rmw("d0", "z1", 0));
        var (lockEntry, request) = LockEntry("d0", "z1", "z2");
        var receipt = Decide("z1", lockEntry).Migrations.Single();
        Decide("z2", Rmw("d3", "z1", 0));
        Decide("z2", AdoptEntry("d0", "z1", receipt, request), Rmw("d0", "z2", 1));
        _database.Dispose();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "verifier.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = corruption;
            command.ExecuteNonQuery();
        }
        using var readOnly = VerifierDatabase.OpenReadOnly(Path.Combine(_dir, "verifier.db"));
        var audit = LogAudit.Run(_network.Registry, readOnly);
        Assert.False(audit.Passed);
        Assert.Contains(audit.Violations, v => v.Contains(expected, StringComparison.Ordinal));
    }
}
