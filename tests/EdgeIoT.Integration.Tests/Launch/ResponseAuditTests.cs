using EdgeIoT.Cli.Audit;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Provisioning;
using EdgeIoT.Verifier.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>The response half of <c>edgeiot audit</c> over a database with one logged decision.</summary>
public sealed class ResponseAuditTests : IDisposable
{
    private static readonly Bytes32 Digest = new(Enumerable.Repeat((byte)7, 32).ToArray());
    private readonly TempDir _temp = new();
    private readonly string _database;
    private readonly string _responses;

    public ResponseAuditTests()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Devices = 2, BasePort = TestNetworks.FreeBasePort() }, _temp.Sub("net"));
        _database = Path.Combine(_temp.Path, "verifier.db");
        _responses = Path.Combine(_temp.Path, "responses.jsonl");
        using (VerifierDatabase.Open(_database, NetworkRegistry.Load(layout.Registry))) { }
        using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO txlog(zone, seq, pos, device, ts, digest, status, result, reason, tx) VALUES ('z1', 1, 0, 'd0001', 10, $digest, 1, '{\"ok\":true}', '', x'00')";
        insert.Parameters.AddWithValue("$digest", Digest.ToArray());
        insert.ExecuteNonQuery();
    }

    public void Dispose() => _temp.Dispose();

    private static string Line(string status = "committed", string? result = "{\"ok\":true}", ulong seq = 1, string device = "d0001") =>
        new ResponseRecord(device, "z1", 10, Digest.ToBase64Url(), status, seq, 0, result).ToJsonLine();

    private ResponseAudit.Report Audit(string text)
    {
        File.WriteAllText(_responses, text);
        return ResponseAudit.Run(_database, _responses, 50);
    }

    [Fact]
    public void A_response_that_matches_its_log_entry_passes()
    {
        var report = Audit(Line() + "\n");
        Assert.Empty(report.Violations);
        Assert.Equal(1, report.Checked);
    }

    [Theory]
    [InlineData("aborted", null, 1UL, "d0001", "the log says \"committed\"")]
    [InlineData("committed", "{\"ok\":false}", 1UL, "d0001", "was told result")]
    [InlineData("committed", "{\"ok\":true}", 2UL, "d0001", "the log has no such entry")]
    [InlineData("committed", "{\"ok\":true}", 1UL, "d0002", "the log holds device d0001's transaction")]
    public void Each_disagreement_with_the_log_is_named(string status, string? result, ulong seq, string device, string expected)
    {
        var report = Audit(Line(status, result, seq, device) + "\n");
        Assert.Contains(expected, Assert.Single(report.Violations));
    }

    [Fact]
    public void A_half_written_last_line_is_tolerated_but_garbage_inside_the_file_is_not()
    {
        var partial = Audit(Line() + "\n" + Line()[..20]);
        Assert.Empty(partial.Violations);
        Assert.True(partial.PartialLastLine);

        var garbage = Audit("not json\n" + Line() + "\n");
        Assert.Contains("line 1 is not a response record", Assert.Single(garbage.Violations));
    }

    [Fact]
    public void The_recorders_truncation_marker_is_reported_not_counted_as_a_violation()
    {
        var report = Audit(Line() + "\n" + ResponseRecord.TruncatedLine(1) + "\n");
        Assert.Empty(report.Violations);
        Assert.True(report.Truncated);
    }
}
