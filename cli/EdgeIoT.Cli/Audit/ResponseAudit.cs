using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Cli.Audit;

/// <summary>
/// Holds the verifier's log to what devices were told: every verified response the device simulator
/// recorded (<see cref="ResponseRecord"/>) must name a log entry (zone, k, pos) of the same device,
/// timestamp and transaction, with the same status and, when committed, the same result. Streams the
/// file and looks each entry up by primary key, so memory stays constant whatever the run's length.
/// </summary>
public static class ResponseAudit
{
    public sealed record Report(long Checked, bool Truncated, bool PartialLastLine, List<string> Violations);

    public static Report Run(string databasePath, string responsesPath, int maxViolations)
    {
        var violations = new List<string>();
        void Violation(string text)
        {
            if (violations.Count < maxViolations) violations.Add(text);
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var lookup = connection.CreateCommand();
        lookup.CommandText = "SELECT device, ts, digest, status, result FROM txlog WHERE zone = $zone AND seq = $seq AND pos = $pos";
        var zone = lookup.Parameters.Add("$zone", SqliteType.Text);
        var seq = lookup.Parameters.Add("$seq", SqliteType.Integer);
        var pos = lookup.Parameters.Add("$pos", SqliteType.Integer);

        // A simulator killed mid-write may leave half a line at the end; anything else unreadable is a violation.
        var endsWithNewline = EndsWithNewline(responsesPath);
        long checkedCount = 0, lineNumber = 0;
        bool truncated = false, partial = false;
        string? pending = null;
        foreach (var line in File.ReadLines(responsesPath))
        {
            if (pending is not null) Check(pending, lineNumber);
            pending = line;
            lineNumber++;
        }
        if (pending is not null)
        {
            if (!endsWithNewline && !ResponseRecord.TryParse(pending, out _) && !IsTruncationMarker(pending)) partial = true;
            else Check(pending, lineNumber);
        }
        return new Report(checkedCount, truncated, partial, violations);

        void Check(string line, long number)
        {
            if (IsTruncationMarker(line))
            {
                truncated = true;
                return;
            }
            if (!ResponseRecord.TryParse(line, out var record))
            {
                Violation($"{Path.GetFileName(responsesPath)} line {number} is not a response record");
                return;
            }
            checkedCount++;
            var where = $"{record.Zone}/{record.Seq}/{record.Position}";
            zone.Value = record.Zone;
            seq.Value = (long)record.Seq;
            pos.Value = record.Position;
            using var reader = lookup.ExecuteReader();
            if (!reader.Read())
            {
                Violation($"device {record.Device} was told \"{record.Status}\" for {where} (ts {record.Timestamp}), but the log has no such entry");
                return;
            }
            var (device, timestamp, digest, status, result) = (reader.GetString(0), (ulong)reader.GetInt64(1), new Bytes32((byte[])reader[2]).ToBase64Url(), StatusName(reader.GetInt32(3)), reader.GetString(4));
            if (device != record.Device || timestamp != record.Timestamp || digest != record.TxDigest)
                Violation($"device {record.Device} was told about its transaction at ts {record.Timestamp} as {where}, but the log holds device {device}'s transaction at ts {timestamp} there");
            else if (status != record.Status)
                Violation($"device {record.Device} was told \"{record.Status}\" for {where} (ts {record.Timestamp}), but the log says \"{status}\"");
            else if (status == Core.Envelope.VerifierResponse.Committed && result != (record.Result ?? ""))
                Violation($"device {record.Device} was told result {Shorten(record.Result)} for {where}, but the log holds {Shorten(result)}");
        }
    }

    private static bool IsTruncationMarker(string line) => line.Contains($"\"{ResponseRecord.TruncatedProperty}\":true", StringComparison.Ordinal);

    private static string StatusName(int status) => status switch
    {
        1 => Core.Envelope.VerifierResponse.Committed,
        2 => Core.Envelope.VerifierResponse.Aborted,
        3 => Core.Envelope.VerifierResponse.Rejected,
        // A system entry's row answers a device only as an applied ADOPT: its migration request committed.
        4 => Core.Envelope.VerifierResponse.Committed,
        _ => $"unknown status {status}",
    };

    private static bool EndsWithNewline(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length == 0) return true;
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() == '\n';
    }

    private static string Shorten(string? text) => text is null ? "(none)" : text.Length <= 60 ? text : text[..57] + "...";
}
