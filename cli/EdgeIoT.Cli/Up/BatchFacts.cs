using Microsoft.Data.Sqlite;

namespace EdgeIoT.Cli.Up;

/// <summary>
/// How large the decided batches were, from the verifier's <c>batches</c> table after the run: the
/// per-batch signature work (PBFT phases, certificates, notices) is shared by this many transactions,
/// which is what the crypto ceiling of a run depends on (docs/performance.md, "Cost per transaction").
/// </summary>
public sealed record BatchFacts(long Batches, long Transactions)
{
    public double? AverageTransactions => Batches > 0 ? (double)Transactions / Batches : null;

    /// <summary>Reads the verifier's database read-only; null when it is missing or unreadable (the run failed early).</summary>
    public static BatchFacts? Read(string verifierDatabasePath)
    {
        if (!File.Exists(verifierDatabasePath)) return null;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = verifierDatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(txs), 0) FROM batches";
            using var reader = command.ExecuteReader();
            return reader.Read() ? new BatchFacts(reader.GetInt64(0), reader.GetInt64(1)) : null;
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
