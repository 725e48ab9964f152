using EdgeIoT.Applications;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Verifier.Storage;

/// <summary>
/// The verifier's SQL storage (SQLite, WAL): versioned key/value rows, the transaction log, device
/// timestamps and k_max per zone. One decided batch — or several consecutive ones, group-committed —
/// is one SQL transaction, so after a crash the database holds whole batches only and k_max says
/// exactly where to resume.
///
/// Schema versions: 2 added device ownership, migrations and the decision order (<c>batches.ord</c>);
/// 3 adds <c>batches.zone_digest</c>, each zone's decided-history chain D_k (docs/zones.md decision Z4).
/// A version-2 file is migrated in place when opened (<see cref="MigrateFrom2"/>); older ones are refused.
/// </summary>
public sealed class VerifierDatabase : IDisposable
{
    public const int SchemaVersion = 3;
    private readonly SqliteConnection _connection;
    private readonly Statements _statements;
    // Batches decided so far across all zones: each batch's place in the one commit order the
    // verifier applied (zones interleave; shared keys make that order matter for a replay).
    private ulong _decidedBatches;

    static VerifierDatabase() => SQLitePCL.Batteries_V2.Init();

    private VerifierDatabase(SqliteConnection connection)
    {
        _connection = connection;
        _statements = new Statements(connection);
    }

    public string Path { get; private init; } = "";

    /// <summary>
    /// Opens (creating if needed) the database for <paramref name="registry"/>. A new database is
    /// loaded with the applications' initial state; an existing one must belong to the same network.
    /// </summary>
    public static VerifierDatabase Open(string path, NetworkRegistry registry, bool durableCommits = true)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        // FULL: a commit survives power loss, not only a process crash; the verifier answers a
        // device only after its commit returns.
        Execute(connection, durableCommits ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT, version INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS txlog(
                zone TEXT NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL,
                device TEXT NOT NULL, ts INTEGER NOT NULL, digest BLOB NOT NULL,
                status INTEGER NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL, tx BLOB NOT NULL,
                PRIMARY KEY(zone, seq, pos)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS txlog_by_device ON txlog(device, ts);
            CREATE TABLE IF NOT EXISTS devices(device TEXT PRIMARY KEY, last_ts INTEGER NOT NULL,
                zone TEXT, hist BLOB, hist_count INTEGER NOT NULL DEFAULT 0, lock TEXT) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS migrations(slot INTEGER PRIMARY KEY, device TEXT NOT NULL, ballot_n INTEGER NOT NULL, ballot_zone TEXT NOT NULL,
                from_zone TEXT NOT NULL, to_zone TEXT NOT NULL, hist BLOB NOT NULL, hist_count INTEGER NOT NULL, adopt_seq INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS progress(zone TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS batches(zone TEXT NOT NULL, seq INTEGER NOT NULL, digest BLOB NOT NULL, txs INTEGER NOT NULL,
                ord INTEGER NOT NULL, zone_digest BLOB, PRIMARY KEY(zone, seq)) WITHOUT ROWID;
            """);
        var database = new VerifierDatabase(connection) { Path = path };
        database.Initialize(registry);
        database._decidedBatches = ulong.Parse(database.Scalar("SELECT COALESCE(MAX(ord), 0) FROM batches") ?? "0");
        return database;
    }

    private void Initialize(NetworkRegistry registry)
    {
        var network = Scalar("SELECT value FROM meta WHERE key = 'network'");
        if (network is not null)
        {
            if (network != registry.NetworkId)
                throw new ConfigurationException($"{Path} belongs to network \"{network}\", not \"{registry.NetworkId}\"; refusing to mix their data");
            var schema = Scalar("SELECT value FROM meta WHERE key = 'schema'");
            if (schema == "2") MigrateFrom2();
            else if (schema != SchemaVersion.ToString())
                throw new ConfigurationException($"{Path} has schema version {schema}; this verifier understands {SchemaVersion} and migrates 2");
            return;
        }
        using var transaction = _connection.BeginTransaction();
        using (var insert = _connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO kv(key, value, version) VALUES ($key, $value, 0)";
            var key = insert.Parameters.Add("$key", SqliteType.Text);
            var value = insert.Parameters.Add("$value", SqliteType.Text);
            insert.Prepare();
            foreach (var (k, v) in new ApplicationSet(registry.Applications).InitialState())
            {
                key.Value = k;
                value.Value = v;
                insert.ExecuteNonQuery();
            }
        }
        foreach (var zone in registry.Zones)
            Execute(_connection, "INSERT INTO progress(zone, next_seq) VALUES ($zone, 1)", transaction, ("$zone", zone.Id));
        Execute(_connection, "INSERT INTO meta(key, value) VALUES ('network', $v)", transaction, ("$v", registry.NetworkId));
        Execute(_connection, "INSERT INTO meta(key, value) VALUES ('schema', $v)", transaction, ("$v", SchemaVersion.ToString()));
        transaction.Commit();
    }

    /// <summary>
    /// Schema 2 → 3, in one SQL transaction (a crash leaves the file at version 2, to be migrated again):
    /// adds <c>batches.zone_digest</c> and fills it with each zone's chain recomputed from its stored log
    /// rows — exactly what the verifier would have computed deciding them (ZoneHistoryChain).
    /// </summary>
    private void MigrateFrom2()
    {
        using var transaction = _connection.BeginTransaction();
        Execute(_connection, "ALTER TABLE batches ADD COLUMN zone_digest BLOB", transaction);
        var zones = new List<string>();
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT DISTINCT zone FROM batches ORDER BY zone";
            using var reader = command.ExecuteReader();
            while (reader.Read()) zones.Add(reader.GetString(0));
        }
        foreach (var zone in zones)
        {
            var digests = ReplayZoneHistory(zone, transaction).Select(h => (h.Seq, h.Recomputed)).ToList();
            foreach (var (seq, digest) in digests)
                Execute(_connection, "UPDATE batches SET zone_digest = $digest WHERE zone = $zone AND seq = $seq", transaction,
                    ("$digest", digest.ToArray()), ("$zone", zone), ("$seq", (long)seq));
        }
        Execute(_connection, "UPDATE meta SET value = $v WHERE key = 'schema'", transaction, ("$v", SchemaVersion.ToString()));
        transaction.Commit();
    }

    /// <summary>Whether this file stores zone digests (schema 3; a read-only audit may open an unmigrated version-2 file).</summary>
    public bool HasZoneDigests => Scalar("SELECT COUNT(*) FROM pragma_table_info('batches') WHERE name = 'zone_digest'") == "1";

    /// <summary>
    /// A zone's decided batches in sequence order with the zone digest stored for each (null when absent)
    /// and the chain recomputed from the stored log rows (SHA-256 of each row's <c>tx</c> bytes and its
    /// status, ZoneHistoryChain): an audit compares the two, so a changed row or a changed digest shows.
    /// </summary>
    public IEnumerable<(ulong Seq, Bytes32? Stored, Bytes32 Recomputed)> ReplayZoneHistory(string zone) => ReplayZoneHistory(zone, null);

    private IEnumerable<(ulong Seq, Bytes32? Stored, Bytes32 Recomputed)> ReplayZoneHistory(string zone, SqliteTransaction? transaction)
    {
        var stored = transaction is not null || HasZoneDigests ? "b.zone_digest" : "NULL";
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT b.seq, {stored}, t.tx, t.status FROM batches b LEFT JOIN txlog t ON t.zone = b.zone AND t.seq = b.seq WHERE b.zone = $zone ORDER BY b.seq, t.pos";
        command.Parameters.AddWithValue("$zone", zone);
        using var reader = command.ExecuteReader();
        var chain = Core.Execution.ZoneHistoryChain.Genesis;
        var entries = new List<(Bytes32, TxStatus)>();
        ulong? seq = null;
        Bytes32? digest = null;
        while (reader.Read())
        {
            var rowSeq = (ulong)reader.GetInt64(0);
            if (seq is { } current && current != rowSeq)
            {
                chain = Core.Execution.ZoneHistoryChain.Next(chain, current, entries);
                yield return (current, digest, chain);
                entries.Clear();
            }
            seq = rowSeq;
            // GetFieldValue<byte[]> reads a value of any storage class as bytes: an audit of a tampered file must report, not crash.
            digest = reader.IsDBNull(1) ? null : Bytes32.TryCreate(reader.GetFieldValue<byte[]>(1), out var d) ? d : null;
            if (!reader.IsDBNull(2)) entries.Add((Sha256Digest.Of(reader.GetFieldValue<byte[]>(2)), (TxStatus)reader.GetInt32(3)));
        }
        if (seq is { } last) yield return (last, digest, Core.Execution.ZoneHistoryChain.Next(chain, last, entries));
    }

    /// <summary>D_{k_max-1} of a zone as stored with its last decided batch; 32 zero bytes before the first.</summary>
    public Bytes32 ZoneDigest(string zone)
    {
        var next = NextSeq(zone);
        if (next <= 1) return Core.Execution.ZoneHistoryChain.Genesis;
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT zone_digest FROM batches WHERE zone = $zone AND seq = $seq";
        command.Parameters.AddWithValue("$zone", zone);
        command.Parameters.AddWithValue("$seq", (long)(next - 1));
        // A decided batch without its digest would restart the chain wrongly and every later checkpoint
        // of the zone with it: refuse to run on such a file.
        return command.ExecuteScalar() is byte[] bytes && Bytes32.TryCreate(bytes, out var digest)
            ? digest
            : throw new ConfigurationException($"{Path}: zone {zone}'s decided batch {next - 1} has no zone digest");
    }

    /// <summary>Persists decided batches, in order, in one SQL transaction.</summary>
    public void Persist(IReadOnlyList<DecidedBatch> batches)
    {
        if (batches.Count == 0) return;
        using var transaction = _connection.BeginTransaction();
        _statements.Enlist(transaction);
        foreach (var batch in batches)
        {
            foreach (var write in batch.Writes) _statements.UpsertKv(write);
            foreach (var entry in batch.Entries) _statements.InsertLog(entry);
            foreach (var (device, ts) in batch.DeviceTimestamps) _statements.UpsertDevice(device, ts);
            foreach (var (device, owner) in batch.Ownership) _statements.UpsertOwnership(device, owner);
            foreach (var receipt in batch.Migrations)
                if (receipt.Adopt && receipt.Applied) _statements.InsertMigration(receipt, batch.Seq);
            _statements.InsertBatch(batch, ++_decidedBatches);
            _statements.SetProgress(batch.Zone, batch.Seq + 1);
        }
        transaction.Commit();
        _statements.Enlist(null);
    }

    public IEnumerable<(string Key, StoredValue Value)> ReadAllKv()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT key, value, version FROM kv";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var value = reader.IsDBNull(1) ? null : reader.GetString(1);
            yield return (reader.GetString(0), new StoredValue(value is not null, value, unchecked((ulong)reader.GetInt64(2))));
        }
    }

    public Dictionary<string, ulong> ReadDeviceTimestamps()
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT device, last_ts FROM devices";
        using var reader = command.ExecuteReader();
        while (reader.Read()) result[reader.GetString(0)] = (ulong)reader.GetInt64(1);
        return result;
    }

    /// <summary>Every device whose ownership was ever stored: zone, history and migration lock.</summary>
    public Dictionary<string, DeviceOwnership> ReadOwnership()
    {
        var result = new Dictionary<string, DeviceOwnership>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT device, zone, hist, hist_count, lock FROM devices WHERE zone IS NOT NULL";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result[reader.GetString(0)] = new DeviceOwnership(reader.GetString(1), new Bytes32((byte[])reader[2]), (ulong)reader.GetInt64(3),
                reader.IsDBNull(4) ? null : OwnershipText.ParseLock(reader.GetString(4)));
        return result;
    }

    /// <summary>Applied migrations in global order (by slot): (device, from, to, history count, adopting zone's seq).</summary>
    public IEnumerable<(string Device, string From, string To, ulong HistoryCount, ulong AdoptSeq, ulong Slot)> ReadMigrations()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT device, from_zone, to_zone, hist_count, adopt_seq, slot FROM migrations ORDER BY slot";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetString(0), reader.GetString(1), reader.GetString(2), (ulong)reader.GetInt64(3), (ulong)reader.GetInt64(4), (ulong)reader.GetInt64(5));
    }

    public ulong NextSeq(string zone) =>
        Scalar("SELECT next_seq FROM progress WHERE zone = $zone", ("$zone", zone)) is { } text ? ulong.Parse(text) : 1;

    /// <summary>The committed or aborted transaction of <paramref name="device"/> at <paramref name="timestamp"/>.</summary>
    public bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry) =>
        _statements.TryFindDecided(device, timestamp, out entry);

    /// <summary>The log in the order the verifier decided it (batch by batch, across zones), for audits and replays.</summary>
    public IEnumerable<DecidedEntry> ReadLog()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT t.zone, t.seq, t.pos, t.device, t.ts, t.digest, t.status, t.result, t.reason, t.tx FROM txlog t JOIN batches b ON b.zone = t.zone AND b.seq = t.seq ORDER BY b.ord, t.pos";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return Statements.ReadEntry(reader);
    }

    /// <summary>
    /// The latest decided batch of <paramref name="zone"/> as far as its DECIDED notice goes — entries and
    /// D_k, without the writes, timestamps and migration receipts (the verifier announces it again after a
    /// restart: <see cref="LatestDecided"/>); null before the zone's first decision.
    /// </summary>
    public DecidedBatch? ReadLatestDecided(string zone)
    {
        var next = NextSeq(zone);
        if (next <= 1) return null;
        var seq = next - 1;
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT digest, zone_digest FROM batches WHERE zone = $zone AND seq = $seq";
        command.Parameters.AddWithValue("$zone", zone);
        command.Parameters.AddWithValue("$seq", (long)seq);
        Bytes32 batchDigest, zoneDigest;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) throw new ConfigurationException($"{Path}: zone {zone} decided up to {seq} but that batch is not stored");
            batchDigest = new Bytes32((byte[])reader[0]);
            zoneDigest = reader.IsDBNull(1) ? throw new ConfigurationException($"{Path}: zone {zone}'s decided batch {seq} has no zone digest") : new Bytes32((byte[])reader[1]);
        }
        command.CommandText = "SELECT zone, seq, pos, device, ts, digest, status, result, reason, tx FROM txlog WHERE zone = $zone AND seq = $seq ORDER BY pos";
        var entries = new List<DecidedEntry>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) entries.Add(Statements.ReadEntry(reader));
        return new DecidedBatch(zone, seq, batchDigest, entries, [], new Dictionary<string, ulong>(), []) { ZoneDigest = zoneDigest };
    }

    /// <summary>Decided batches of a zone in sequence order: (seq, transaction count).</summary>
    public IEnumerable<(ulong Seq, int Transactions)> ReadBatches(string zone)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, txs FROM batches WHERE zone = $zone ORDER BY seq";
        command.Parameters.AddWithValue("$zone", zone);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return ((ulong)reader.GetInt64(0), reader.GetInt32(1));
    }

    /// <summary>Opens an existing database read-only, for audits of a finished run (no initial load, no writes).</summary>
    public static VerifierDatabase OpenReadOnly(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"{path} does not exist");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return new VerifierDatabase(connection) { Path = path };
    }

    private string? Scalar(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command.ExecuteScalar()?.ToString();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _statements.Dispose();
        _connection.Dispose();
    }

    /// <summary>Prepared statements reused for every commit.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _upsertKv, _insertLog, _upsertDevice, _setProgress, _findDecided, _insertBatch, _upsertOwnership, _insertMigration;

        public Statements(SqliteConnection connection)
        {
            _upsertKv = Command(connection, "INSERT INTO kv(key, value, version) VALUES ($key, $value, $version) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version",
                ("$key", SqliteType.Text), ("$value", SqliteType.Text), ("$version", SqliteType.Integer));
            _insertLog = Command(connection, "INSERT INTO txlog(zone, seq, pos, device, ts, digest, status, result, reason, tx) VALUES ($zone, $seq, $pos, $device, $ts, $digest, $status, $result, $reason, $tx)",
                ("$zone", SqliteType.Text), ("$seq", SqliteType.Integer), ("$pos", SqliteType.Integer), ("$device", SqliteType.Text), ("$ts", SqliteType.Integer),
                ("$digest", SqliteType.Blob), ("$status", SqliteType.Integer), ("$result", SqliteType.Text), ("$reason", SqliteType.Text), ("$tx", SqliteType.Blob));
            _upsertDevice = Command(connection, "INSERT INTO devices(device, last_ts) VALUES ($device, $ts) ON CONFLICT(device) DO UPDATE SET last_ts = excluded.last_ts",
                ("$device", SqliteType.Text), ("$ts", SqliteType.Integer));
            _upsertOwnership = Command(connection, "INSERT INTO devices(device, last_ts, zone, hist, hist_count, lock) VALUES ($device, 0, $zone, $hist, $count, $lock) ON CONFLICT(device) DO UPDATE SET zone = excluded.zone, hist = excluded.hist, hist_count = excluded.hist_count, lock = excluded.lock",
                ("$device", SqliteType.Text), ("$zone", SqliteType.Text), ("$hist", SqliteType.Blob), ("$count", SqliteType.Integer), ("$lock", SqliteType.Text));
            _insertMigration = Command(connection, "INSERT INTO migrations(device, ballot_n, ballot_zone, from_zone, to_zone, hist, hist_count, adopt_seq, slot) VALUES ($device, $n, $bz, $from, $to, $hist, $count, $seq, $slot)",
                ("$device", SqliteType.Text), ("$n", SqliteType.Integer), ("$bz", SqliteType.Text), ("$from", SqliteType.Text), ("$to", SqliteType.Text),
                ("$hist", SqliteType.Blob), ("$count", SqliteType.Integer), ("$seq", SqliteType.Integer), ("$slot", SqliteType.Integer));
            _setProgress = Command(connection, "INSERT INTO progress(zone, next_seq) VALUES ($zone, $next) ON CONFLICT(zone) DO UPDATE SET next_seq = excluded.next_seq",
                ("$zone", SqliteType.Text), ("$next", SqliteType.Integer));
            _insertBatch = Command(connection, "INSERT INTO batches(zone, seq, digest, txs, ord, zone_digest) VALUES ($zone, $seq, $digest, $txs, $ord, $zoneDigest)",
                ("$zone", SqliteType.Text), ("$seq", SqliteType.Integer), ("$digest", SqliteType.Blob), ("$txs", SqliteType.Integer), ("$ord", SqliteType.Integer),
                ("$zoneDigest", SqliteType.Blob));
            _findDecided = Command(connection, "SELECT zone, seq, pos, device, ts, digest, status, result, reason, tx FROM txlog WHERE device = $device AND ts = $ts AND status != 3 ORDER BY zone, seq, pos LIMIT 1",
                ("$device", SqliteType.Text), ("$ts", SqliteType.Integer));
        }

        private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
            return command;
        }

        public void Enlist(SqliteTransaction? transaction)
        {
            _upsertKv.Transaction = _insertLog.Transaction = _upsertDevice.Transaction = _setProgress.Transaction = _insertBatch.Transaction = transaction;
            _upsertOwnership.Transaction = _insertMigration.Transaction = transaction;
        }

        public void UpsertKv(AppliedWrite write)
        {
            _upsertKv.Parameters[0].Value = write.Key;
            _upsertKv.Parameters[1].Value = (object?)write.Value ?? DBNull.Value;
            _upsertKv.Parameters[2].Value = unchecked((long)write.Version);
            _upsertKv.ExecuteNonQuery();
        }

        public void InsertLog(DecidedEntry entry)
        {
            var p = _insertLog.Parameters;
            p[0].Value = entry.Zone;
            p[1].Value = (long)entry.Seq;
            p[2].Value = entry.Position;
            p[3].Value = entry.Device;
            p[4].Value = (long)entry.Timestamp;
            p[5].Value = entry.TxDigest.ToArray();
            p[6].Value = (int)entry.Status;
            p[7].Value = entry.Result;
            p[8].Value = entry.Reason;
            p[9].Value = entry.Tx;
            _insertLog.ExecuteNonQuery();
        }

        public void UpsertDevice(string device, ulong timestamp)
        {
            _upsertDevice.Parameters[0].Value = device;
            _upsertDevice.Parameters[1].Value = (long)timestamp;
            _upsertDevice.ExecuteNonQuery();
        }

        public void UpsertOwnership(string device, DeviceOwnership owner)
        {
            var p = _upsertOwnership.Parameters;
            p[0].Value = device;
            p[1].Value = owner.Zone;
            p[2].Value = owner.History.ToArray();
            p[3].Value = (long)owner.HistoryCount;
            p[4].Value = owner.Lock is { } l ? OwnershipText.FormatLock(l) : DBNull.Value;
            _upsertOwnership.ExecuteNonQuery();
        }

        public void InsertMigration(MigrationReceipt receipt, ulong adoptSeq)
        {
            var p = _insertMigration.Parameters;
            p[0].Value = receipt.Device;
            p[1].Value = (long)receipt.Ballot.N;
            p[2].Value = receipt.Ballot.Zone;
            p[3].Value = receipt.FromZone;
            p[4].Value = receipt.ToZone;
            p[5].Value = receipt.HistoryDigest.ToByteArray();
            p[6].Value = (long)receipt.HistoryCount;
            p[7].Value = (long)adoptSeq;
            p[8].Value = (long)receipt.Slot;
            _insertMigration.ExecuteNonQuery();
        }

        public void InsertBatch(DecidedBatch batch, ulong order)
        {
            _insertBatch.Parameters[4].Value = (long)order;
            _insertBatch.Parameters[0].Value = batch.Zone;
            _insertBatch.Parameters[1].Value = (long)batch.Seq;
            _insertBatch.Parameters[2].Value = batch.BatchDigest.ToArray();
            _insertBatch.Parameters[3].Value = batch.Entries.Count;
            _insertBatch.Parameters[5].Value = batch.ZoneDigest.ToArray();
            _insertBatch.ExecuteNonQuery();
        }

        public void SetProgress(string zone, ulong next)
        {
            _setProgress.Parameters[0].Value = zone;
            _setProgress.Parameters[1].Value = (long)next;
            _setProgress.ExecuteNonQuery();
        }

        public bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry)
        {
            _findDecided.Parameters[0].Value = device;
            _findDecided.Parameters[1].Value = (long)timestamp;
            using var reader = _findDecided.ExecuteReader();
            if (!reader.Read())
            {
                entry = null!;
                return false;
            }
            entry = ReadEntry(reader);
            return true;
        }

        public static DecidedEntry ReadEntry(SqliteDataReader reader) => new(
            reader.GetString(0), (ulong)reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), (ulong)reader.GetInt64(4),
            new Bytes32((byte[])reader[5]), (TxStatus)reader.GetInt32(6), reader.GetString(7), reader.GetString(8), (byte[])reader[9]);

        public void Dispose()
        {
            _upsertKv.Dispose();
            _insertLog.Dispose();
            _upsertDevice.Dispose();
            _setProgress.Dispose();
            _findDecided.Dispose();
            _insertBatch.Dispose();
            _upsertOwnership.Dispose();
            _insertMigration.Dispose();
        }
    }
}
