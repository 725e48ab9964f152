using EdgeIoT.Cli.Launch;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Up;

/// <summary>
/// What a benchmark changes about an <c>up</c> run beyond its command-line options: protocol settings,
/// how hosts are started (a CPU pin, an emulated wide-area delay per executor) and extra device
/// simulator arguments (pre-signing, warm-up, synthetic work). Not reachable from the command line.
/// </summary>
public sealed record UpTuning
{
    public Func<LocalNetworkSpec, LocalNetworkSpec>? Spec { get; init; }
    public Func<IHostCommands, IHostCommands>? Hosts { get; init; }
    public IReadOnlyList<string> SimulatorArguments { get; init; } = [];
}
