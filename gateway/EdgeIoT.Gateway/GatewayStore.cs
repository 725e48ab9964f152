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
    private readonly SqliteCommand _putEntry, _putView, _prune;

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
            """);
        _putEntry = Command("INSERT INTO entries(seq, data) VALUES ($seq, $data) ON CONFLICT(seq) DO UPDATE SET data = excluded.data", ("$seq", SqliteType.Integer), ("$data", SqliteType.Blob));
        _putView = Command("INSERT INTO view(id, data) VALUES (1, $data) ON CONFLICT(id) DO UPDATE SET data = excluded.data", ("$data", SqliteType.Blob));
        _prune = Command("DELETE FROM entries WHERE seq <= $seq", ("$seq", SqliteType.Integer));
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
        _connection.Dispose();
    }
}
