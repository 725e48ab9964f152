using EdgeIoT.Cli.Commands;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;
using EdgeIoT.Simulation;

namespace EdgeIoT.Cli;

/// <summary>
/// The edgeiot command line, independent of the console: tests run it with their own writers, host
/// commands and stop token.
/// </summary>
public sealed class CliApp(TextWriter output, TextWriter error, Func<IHostCommands>? hosts = null, LaunchOptions? launchOptions = null)
{
    public const int ExitSuccess = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    /// <param name="stop">Cancelled on Ctrl-C or SIGTERM: a running command stops what it started and reports.</param>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken stop = default)
    {
        try
        {
            if (args.Count == 0) throw new UsageException("no command given");
            var command = args[0];
            var rest = args.Skip(1).ToList();
            switch (command)
            {
                case "help" or "--help" or "-h":
                    await output.WriteAsync(Usage.Text);
                    return ExitSuccess;
                case "provision":
                    return ProvisionCommand.Run(rest, output);
                case "up":
                    return await new UpCommand(output, error, hosts ?? HostBinaries.FromEnvironment, launchOptions ?? new LaunchOptions()).RunAsync(rest, stop);
                case "audit":
                    return AuditCommand.Run(rest, output, error);
                case "bench":
                    return await new BenchCommand(output, error, hosts ?? HostBinaries.FromEnvironment, launchOptions ?? new LaunchOptions()).RunAsync(rest, stop);
                case "sim":
                    // The deterministic simulator (sim/EdgeIoT.Simulation/README.md); it prints its own usage.
                    return SimulationCli.Run(rest.ToArray(), output);
                case "test":
                    await error.WriteLineAsync("edgeiot test: run it through the ./edgeiot script, which builds and runs `dotnet test`");
                    return ExitUsage;
                default:
                    throw new UsageException($"unknown command \"{command}\"");
            }
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"edgeiot: {e.Message}");
            await error.WriteAsync(Usage.Short);
            return ExitUsage;
        }
        catch (Exception e) when (e is ProvisioningException or LaunchException or ConfigurationException)
        {
            await error.WriteLineAsync($"edgeiot: {e.Message}");
            return ExitFailure;
        }
    }
}
