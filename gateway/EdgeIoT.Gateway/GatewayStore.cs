using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Gateway;

/// <summary>
/// The board-local SQLite file that keeps a gateway's PBFT replica safe across restarts: the view
/// state and, per sequence number, the accepted proposal, the prepared certificate and the commit
/// certificate (<see cref="PbftReplica"/>'s persistence records). Written before the replica's messages
/// are sent, one SQL transaction per protocol-loop round.
/// </summary>
internal sealed class GatewayStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _putEntry, _putView, _prune, _putGlobal, _putCheckpoint;

    static GatewayStore() => SQLitePCL.Batteries_V2.Init();

    public GatewayStore(string path, bool fsync)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute(fsync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS view(id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS entries(seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS global(id INTEGER PRIMARY KEY AUTOINCREMENT, executed INTEGER NOT NULL,
                kind INTEGER NOT NULL, slot INTEGER NOT NULL, digest BLOB, body BLOB NOT NULL, evidence BLOB);
            CREATE TABLE IF NOT EXISTS checkpoints(zone TEXT PRIMARY KEY, seq INTEGER NOT NULL, digest BLOB NOT NULL, proof BLOB NOT NULL) WITHOUT ROWID;
            """);
        _putEntry = Command("INSERT INTO entries(seq, data) VALUES ($seq, $data) ON CONFLICT(seq) DO UPDATE SET data = excluded.data", ("$seq", SqliteType.Integer), ("$data", SqliteType.Blob));
        _putView = Command("INSERT INTO view(id, data) VALUES (1, $data) ON CONFLICT(id) DO UPDATE SET data = excluded.data", ("$data", SqliteType.Blob));
        _prune = Command("DELETE FROM entries WHERE seq <= $seq", ("$seq", SqliteType.Integer));
        _putGlobal = Command("INSERT INTO global(executed, kind, slot, digest, body, evidence) VALUES ($executed, $kind, $slot, $digest, $body, $evidence)",
            ("$executed", SqliteType.Integer), ("$kind", SqliteType.Integer), ("$slot", SqliteType.Integer), ("$digest", SqliteType.Blob), ("$body", SqliteType.Blob), ("$evidence", SqliteType.Blob));
        // One row per zone: a later checkpoint replaces the earlier one, so the table stays bounded by the zones.
        _putCheckpoint = Command("INSERT INTO checkpoints(zone, seq, digest, proof) VALUES ($zone, $seq, $digest, $proof) ON CONFLICT(zone) DO UPDATE SET seq = excluded.seq, digest = excluded.digest, proof = excluded.proof WHERE excluded.seq > checkpoints.seq",
            ("$zone", SqliteType.Text), ("$seq", SqliteType.Integer), ("$digest", SqliteType.Blob), ("$proof", SqliteType.Blob));
    }

    /// <summary>
    /// The global coordinator's records (ziziphus; docs/zones.md): every body this gateway endorsed —
    /// so it never endorses a different one for the same step after a restart — and every executed
    /// COMMIT, which rebuild the global metadata; and the latest certified lazy checkpoint of each zone
    /// with its proof. Written, like the replica's, before anything is sent.
    /// </summary>
    public void WriteGlobal(IReadOnlyList<Protocol.Global.GlobalPersist> records)
    {
        if (records.Count == 0) return;
        using var transaction = _connection.BeginTransaction();
        _putGlobal.Transaction = _putCheckpoint.Transaction = transaction;
        foreach (var record in records)
        {
            var p = _putGlobal.Parameters;
            switch (record)
            {
                case Protocol.Global.GlobalPersist.Checkpoint { Held: var held }:
                    var c = _putCheckpoint.Parameters;
                    c[0].Value = held.Zone; c[1].Value = (long)held.Seq; c[2].Value = held.Digest.ToArray(); c[3].Value = held.Proof.ToByteArray();
                    _putCheckpoint.ExecuteNonQuery();
                    continue;
                case Protocol.Global.GlobalPersist.Endorsed endorsed:
                    p[0].Value = 0; p[1].Value = (int)endorsed.Kind; p[2].Value = (long)endorsed.Slot;
                    p[3].Value = endorsed.ContentDigest; p[4].Value = endorsed.Body.ToByteArray();
                    p[5].Value = endorsed.Evidence is { } evidence ? evidence.ToByteArray() : DBNull.Value;
                    break;
                case Protocol.Global.GlobalPersist.Executed executed:
                    p[0].Value = 1; p[1].Value = (int)GlobalStepKind.GlobalStepCommit; p[2].Value = (long)executed.Slot;
                    p[3].Value = DBNull.Value; p[4].Value = executed.Commit.ToByteArray(); p[5].Value = DBNull.Value;
                    break;
                default:
                    throw new InvalidOperationException($"unknown global record {record.GetType().Name}");
            }
            _putGlobal.ExecuteNonQuery();
        }
        transaction.Commit();
        _putGlobal.Transaction = _putCheckpoint.Transaction = null;
    }

    public List<Protocol.Global.GlobalPersist> LoadGlobal()
    {
        var records = new List<Protocol.Global.GlobalPersist>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT executed, kind, slot, digest, body, evidence FROM global ORDER BY id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var body = (byte[])reader[4];
            if (reader.GetInt32(0) == 1)
                records.Add(new Protocol.Global.GlobalPersist.Executed((ulong)reader.GetInt64(2), CertifiedStep.Parser.ParseFrom(body)));
            else
            {
                var step = GlobalStep.Parser.ParseFrom(body);
                var evidence = reader.IsDBNull(5) ? null : CertifiedStep.Parser.ParseFrom((byte[])reader[5]);
                records.Add(new Protocol.Global.GlobalPersist.Endorsed((GlobalStepKind)reader.GetInt32(1), (ulong)reader.GetInt64(2), step.Ballot, (byte[])reader[3], step, evidence));
            }
        }
        using var checkpoints = _connection.CreateCommand();
        checkpoints.CommandText = "SELECT zone, seq, digest, proof FROM checkpoints ORDER BY zone";
        using var rows = checkpoints.ExecuteReader();
        while (rows.Read())
        {
            // The coordinator re-verifies the proof against the registry before it holds the checkpoint again.
            var proof = CertifiedStep.Parser.ParseFrom((byte[])rows[3]);
            var body = GlobalStep.Parser.ParseFrom(proof.Body);
            records.Add(new Protocol.Global.GlobalPersist.Checkpoint(new Protocol.Global.HeldCheckpoint(rows.GetString(0), (ulong)rows.GetInt64(1),
                new Core.Crypto.Bytes32((byte[])rows[2]), proof, body.Kind, body.Zone, body.Slot)));
        }
        return records;
    }

    public (PersistedView? View, List<PersistedEntry> Entries) Load()
    {
        PersistedView? view = null;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT data FROM view WHERE id = 1";
            if (command.ExecuteScalar() is byte[] bytes) view = PersistedView.Parser.ParseFrom(bytes);
        }
        var entries = new List<PersistedEntry>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT data FROM entries ORDER BY seq";
            using var reader = command.ExecuteReader();
            while (reader.Read()) entries.Add(PersistedEntry.Parser.ParseFrom((byte[])reader[0]));
        }
        return (view, entries);
    }

    public void Write(ReplicaReady ready)
    {
        if (!ready.NeedsPersistence) return;
        using var transaction = _connection.BeginTransaction();
        _putEntry.Transaction = _putView.Transaction = _prune.Transaction = transaction;
        if (ready.PruneThrough is { } prune)
        {
            _prune.Parameters[0].Value = (long)prune;
            _prune.ExecuteNonQuery();
        }
        foreach (var (seq, entry) in ready.PersistEntries)
        {
            if (ready.PruneThrough is { } p && seq <= p) continue;
            _putEntry.Parameters[0].Value = (long)seq;
            _putEntry.Parameters[1].Value = entry.ToByteArray();
            _putEntry.ExecuteNonQuery();
        }
        if (ready.PersistView is { } view)
        {
            _putView.Parameters[0].Value = view.ToByteArray();
            _putView.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private SqliteCommand Command(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        return command;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _putEntry.Dispose();
        _putView.Dispose();
        _prune.Dispose();
        _putGlobal.Dispose();
        _putCheckpoint.Dispose();
        _connection.Dispose();
    }
}
