using System.Globalization;
using EdgeIoT.Cli.Audit;
using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;
using EdgeIoT.Verifier.Storage;

namespace EdgeIoT.Cli.Commands;

/// <summary>
/// <c>edgeiot audit</c>: checks a network's data folder, read-only, while it runs or after. The verifier
/// database must equal a replay of its own committed log (LogAudit: so an aborted or rejected
/// transaction that left a write, a forged row or a changed value all show up as rows that differ),
/// and every response a simulated device verified must agree with that log (<see cref="ResponseAudit"/>).
/// With several zones, the gateways' journals of global transactions must agree with each other and the
/// verifier's migrations (<see cref="GlobalAudit"/>), and every lazy checkpoint a gateway held must be the
/// verifier's zone digest (<see cref="CheckpointAudit"/>).
/// </summary>
public static class AuditCommand
{
    private static readonly HashSet<string> ValueOptions = ["dir"];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = CommandLine.Parse("audit", args, ValueOptions, new HashSet<string>());
        var layout = new NetworkLayout(options.String("dir", ProvisionCommand.DefaultDir));
        if (!File.Exists(layout.Registry)) throw new ConfigurationException($"{layout.Root} holds no network (no network.json); run `edgeiot up` or `edgeiot provision` first");
        var registry = NetworkRegistry.Load(layout.Registry);
        var databasePath = Path.Combine(layout.State(NetworkLayout.VerifierId), "verifier.db");
        var responsesPath = Path.Combine(layout.State(NetworkLayout.DeviceSimId), Devices.ResponseRecord.FileName);
        var invariant = CultureInfo.InvariantCulture;

        LogAudit.Report log;
        Audit.GlobalAudit.Report? global = null;
        CheckpointAudit.Report? checkpoints = null;
        using (var database = VerifierDatabase.OpenReadOnly(databasePath))
        {
            log = LogAudit.Run(registry, database);
            if (registry.Zones.Count > 1)
            {
                global = Audit.GlobalAudit.Run(layout, registry, database.ReadMigrations().ToList(), LogAudit.MaxViolationsReported);
                checkpoints = CheckpointAudit.Run(layout, registry, database, LogAudit.MaxViolationsReported);
            }
        }
        output.WriteLine(string.Create(invariant, $"log: {log.Transactions:N0} transactions ({log.Committed:N0} committed, {log.Aborted:N0} aborted, {log.Rejected:N0} rejected), {log.Rows:N0} rows replayed and compared"));
        var violations = new List<string>(log.Violations);
        if (global is not null)
        {
            output.WriteLine(string.Create(invariant, $"zones: {global.Slots:N0} global transactions compared across {global.Gateways} gateways' journals; {global.Migrations:N0} migrations the verifier applied checked against them"));
            violations.AddRange(global.Violations);
        }
        if (checkpoints is not null)
        {
            output.WriteLine(string.Create(invariant, $"checkpoints: {checkpoints.Distinct:N0} certified checkpoints held ({checkpoints.Checkpoints:N0} journal lines of {checkpoints.Gateways} gateways) checked against the verifier's stored and recomputed zone digests"));
            violations.AddRange(checkpoints.Violations);
        }

        if (File.Exists(responsesPath))
        {
            var responses = ResponseAudit.Run(databasePath, responsesPath, LogAudit.MaxViolationsReported);
            var notes = (responses.Truncated ? " (the simulator stopped recording at its bound)" : "") + (responses.PartialLastLine ? " (ignored a half-written last line)" : "");
            output.WriteLine(string.Create(invariant, $"responses: {responses.Checked:N0} verified device responses compared with the log{notes}"));
            violations.AddRange(responses.Violations);
        }
        else
        {
            output.WriteLine($"responses: none recorded ({responsesPath} does not exist)");
        }

        if (violations.Count == 0)
        {
            output.WriteLine("audit passed");
            return CliApp.ExitSuccess;
        }
        foreach (var violation in violations) error.WriteLine($"violation: {violation}");
        error.WriteLine(string.Create(invariant, $"audit FAILED: {violations.Count} violation(s){(violations.Count >= LogAudit.MaxViolationsReported ? " (list capped)" : "")}"));
        return CliApp.ExitFailure;
    }
}
