using System.Globalization;
using System.Text.Json;
using EdgeIoT.Cli;
using EdgeIoT.Cli.Commands;
using EdgeIoT.Cli.Up;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Provisioning;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// Conflicting transactions with real processes (serverlessbft §6): the device simulator runs the kv
/// workload with hot-key read-modify-writes; what it was told is audited against the verifier's log.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ConflictTests(ITestOutputHelper output)
{
    private const int Devices = 20;
    private const int PerDevice = 20;
    private const int ConflictPercent = 30;

    private static Func<LocalNetworkSpec, LocalNetworkSpec> Contended(SpawningMode spawning, bool avoidance = false) => spec =>
    {
        spec.Protocol.Spawning = spawning;
        spec.Protocol.ConflictAvoidance = avoidance;
        // Twenty devices never fill a batch, and by default a partial batch waits until the one before
        // it is decided, so batches would never overlap and nothing could conflict. Let four overlap,
        // as a loaded zone's full batches do.
        spec.Protocol.PartialBatchesInFlightMax = 4;
        return ConflictProvisioning.Apply(spec, ConflictPercent).Spec;
    };

    /// <summary>Runs the real device simulator to completion and returns its summary.</summary>
    private async Task<SimulatorStats> SimulateAsync(RunningNetwork network, bool declare)
    {
        List<string> args = ["--workload", "kv", "--devices", $"{Devices}", "--transactions-per-device", $"{PerDevice}", "--conflict", $"{ConflictPercent}"];
        if (declare) args.Add("--declare-rw");
        await network.Network.StartDevicesAsync(args);
        var code = await network.Network.WaitForExitAsync(NetworkLayout.DeviceSimId, TimeSpan.FromSeconds(240));
        SimulatorStats? summary = null;
        while (network.Network.DeviceSimMessages.TryRead(out var line))
            if (SimulatorStats.TryParse(line) is { IsSummary: true } parsed) summary = parsed;
        Assert.NotNull(summary);
        output.WriteLine(summary.Raw.GetRawText());
        Assert.Equal(0, code);
        return summary;
    }

    private static (int Code, string Output, string Error) Audit(RunningNetwork network)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = AuditCommand.Run(["--dir", network.Layout.Root], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void AssertEveryDeviceHeardCommitOrAbort(SimulatorStats summary)
    {
        Assert.Equal(Devices * PerDevice, summary.Committed + summary.Aborted);
        Assert.Equal(0, summary.Rejected);
        Assert.Equal(0, summary.Timeouts);
        Assert.Equal(Devices * PerDevice, summary.ResponsesVerified);
    }

    [Fact]
    public async Task With_30_percent_conflicts_and_undeclared_sets_some_abort_every_device_hears_commit_or_abort_and_the_audit_passes_until_the_data_is_tampered_with()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: Devices, customize: Contended(SpawningMode.OutOfOrder));
        Assert.Equal(4, network.Registry.Executors.Members.Count);
        Assert.True(network.Registry.Protocol.ConflictsPossible);

        var summary = await SimulateAsync(network, declare: false);

        AssertEveryDeviceHeardCommitOrAbort(summary);
        Assert.True(summary.Aborted > 0, "30% hot-key read-modify-writes spawned out of order aborted nothing");
        var (code, stdout, stderr) = Audit(network);
        output.WriteLine(stdout + stderr);
        Assert.True(code == CliApp.ExitSuccess, stderr);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"responses: {Devices * PerDevice:N0} verified device responses"), stdout);

        await network.Network.StopAllAsync();
        var log = network.Log();
        var aborted = log.First(e => e.Status == Wire.TxStatus.Aborted);
        var abortedKey = KeyOf(aborted.Tx);
        var committedKey = KeyOf(log.Last(e => e.Status == Wire.TxStatus.Committed && Op(e.Tx) != "read" && KeyOf(e.Tx) != abortedKey).Tx);

        // An aborted transaction's write, as if the verifier had applied it.
        Execute(network, "UPDATE kv SET value = 'written-by-an-aborted-tx', version = $version WHERE key = $key",
            ("$version", (long)KeyVersion.Of(0, aborted.Seq, aborted.Position)), ("$key", abortedKey));
        (code, _, stderr) = Audit(network);
        Assert.Equal(CliApp.ExitFailure, code);
        Assert.Contains($"violation: row {abortedKey}:", stderr);

        // A committed value edited behind the verifier's back.
        Execute(network, "UPDATE kv SET value = 'tampered' WHERE key = $key", ("$key", committedKey));
        (code, _, stderr) = Audit(network);
        output.WriteLine(stderr);
        Assert.Equal(CliApp.ExitFailure, code);
        Assert.Contains($"violation: row {committedKey}:", stderr);

        // A decision rewritten: the log no longer says what a device was told.
        Execute(network, "UPDATE txlog SET status = 2, result = '' WHERE zone = 'z1' AND seq = $seq AND pos = $pos",
            ("$seq", (long)log.First(e => e.Status == Wire.TxStatus.Committed).Seq), ("$pos", (long)log.First(e => e.Status == Wire.TxStatus.Committed).Position));
        (code, _, stderr) = Audit(network);
        Assert.Equal(CliApp.ExitFailure, code);
        Assert.Contains("was told \"committed\"", stderr);
    }

    [Fact]
    public async Task With_declared_sets_and_conflict_avoidance_under_a_correct_primary_the_same_workload_commits_without_a_single_abort()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: Devices, customize: Contended(SpawningMode.OutOfOrder, avoidance: true));

        var summary = await SimulateAsync(network, declare: true);

        AssertEveryDeviceHeardCommitOrAbort(summary);
        Assert.Equal(0, summary.Aborted);
        var (code, _, stderr) = Audit(network);
        Assert.True(code == CliApp.ExitSuccess, stderr);
        Assert.Contains(network.Log(), e => e.Tx.Length > 0 && Declared(e.Tx));
    }

    [Fact]
    public async Task Sequential_spawning_commits_the_same_workload_with_undeclared_sets_without_a_single_abort()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: Devices, customize: Contended(SpawningMode.Sequential));

        var summary = await SimulateAsync(network, declare: false);

        AssertEveryDeviceHeardCommitOrAbort(summary);
        Assert.Equal(0, summary.Aborted);
        var (code, _, stderr) = Audit(network);
        Assert.True(code == CliApp.ExitSuccess, stderr);
    }

    [Fact]
    public async Task Decentralized_spawning_with_conflict_avoidance_at_every_gateway_commits_the_declared_workload_without_an_abort()
    {
        await using var network = await RunningNetwork.StartAsync(output: output, devices: Devices, customize: Contended(SpawningMode.Decentralized, avoidance: true));

        var summary = await SimulateAsync(network, declare: true);

        AssertEveryDeviceHeardCommitOrAbort(summary);
        Assert.Equal(0, summary.Aborted);
        var (code, _, stderr) = Audit(network);
        Assert.True(code == CliApp.ExitSuccess, stderr);
        // Every gateway spawned its slice, not only the primary: executors answered some batches twice
        // (for two gateways), and the verifier dropped the second VERIFY as a duplicate or as decided.
        var status = await network.Http.GetStringAsync(new Uri(new Uri(network.Registry.Verifier.Url), "/v1/status"));
        output.WriteLine(status);
        using var document = JsonDocument.Parse(status);
        var votes = document.RootElement.GetProperty("votes");
        Assert.True(votes.GetProperty("duplicates").GetInt64() + votes.GetProperty("for_decided").GetInt64() > 0, status);
    }

    private static JsonElement Payload(byte[] jws)
    {
        Assert.True(JwsCompact.TryParse(jws, 1 << 16, out var parsed, out _));
        return JsonDocument.Parse(parsed.Payload).RootElement;
    }

    private static string KeyOf(byte[] jws) => Payload(jws).GetProperty("args").GetProperty("key").GetString()!;
    private static string Op(byte[] jws) => Payload(jws).GetProperty("op").GetString()!;
    private static bool Declared(byte[] jws) => Payload(jws).TryGetProperty("rw", out _);

    private static void Execute(RunningNetwork network, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={network.VerifierDatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
