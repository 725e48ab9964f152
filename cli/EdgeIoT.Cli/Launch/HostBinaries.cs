namespace EdgeIoT.Cli.Launch;

/// <summary>
/// Runs the hosts built in this repository: <c>dotnet &lt;repo&gt;/artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/&lt;Project&gt;.dll
/// --config &lt;file&gt; --parent-watch</c>. The configuration is release unless EDGEIOT_BIN_CONFIGURATION says debug.
/// </summary>
public sealed class HostBinaries : IHostCommands
{
    public const string ConfigurationVariable = "EDGEIOT_BIN_CONFIGURATION";
    public const string SolutionFile = "EdgeIoT.sln";

    private static readonly Dictionary<string, string> ProjectByRole = new(StringComparer.Ordinal)
    {
        ["gateway"] = "EdgeIoT.Gateway",
        ["executor"] = "EdgeIoT.Functions",
        ["verifier"] = "EdgeIoT.Verifier",
        ["devicesim"] = "EdgeIoT.DeviceSim",
    };

    public string RepoRoot { get; }
    public string Configuration { get; }

    public HostBinaries(string repoRoot, string configuration)
    {
        RepoRoot = repoRoot;
        Configuration = configuration;
    }

    /// <summary>The repository this CLI runs from, with the configuration from the environment.</summary>
    public static HostBinaries FromEnvironment()
    {
        var configuration = Environment.GetEnvironmentVariable(ConfigurationVariable) is { Length: > 0 } value ? value.ToLowerInvariant() : "release";
        if (configuration is not ("release" or "debug"))
            throw new LaunchException($"{ConfigurationVariable}={configuration}: expected release or debug");
        var root = FindRepoRoot(AppContext.BaseDirectory) ?? FindRepoRoot(Environment.CurrentDirectory)
            ?? throw new LaunchException($"cannot find {SolutionFile} above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; run edgeiot from its repository");
        return new HostBinaries(root, configuration);
    }

    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return dir.FullName;
        return null;
    }

    public string DllPath(string role)
    {
        if (!ProjectByRole.TryGetValue(role, out var project))
            throw new LaunchException($"no host project for role \"{role}\" (known: {string.Join(", ", ProjectByRole.Keys)})");
        return Path.Combine(RepoRoot, "artifacts", "bin", project, Configuration, project + ".dll");
    }

    public HostCommand For(string role, string id, string configPath, IReadOnlyList<string> extraArguments)
    {
        var dll = DllPath(role);
        if (!File.Exists(dll))
            throw new LaunchException(
                $"the {role} host is not built: {dll} does not exist. Build with `dotnet build {SolutionFile} -c {Capitalized(Configuration)}` " +
                $"(./edgeiot does it when sources change){(Configuration == "release" ? $", or set {ConfigurationVariable}=debug to run a Debug build" : "")}.");
        return new HostCommand(DotnetPath(), [dll, "--config", configPath, "--parent-watch", .. extraArguments]) { Environment = EnvironmentFor(role) };
    }

    /// <summary>
    /// A gateway's gen0 allocation budget. The workstation GC sizes it from the CPU's cache — tens of MiB
    /// on a server CPU — and a gateway board has little memory: 4 MiB kept the peak resident set of a
    /// gateway at 100 devices 10 MiB lower (docs/performance.md, "Profiles and what we tried"). The runtime reads this
    /// knob from the environment only (runtimeconfig.json has no name for it); README "Deploying" gives
    /// the same line for boards. An operator's own setting wins.
    /// </summary>
    public const string GatewayGen0SizeVariable = "DOTNET_GCgen0size", GatewayGen0Size = "0x400000";

    private static Dictionary<string, string> EnvironmentFor(string role) =>
        role == "gateway" && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(GatewayGen0SizeVariable))
            ? new() { [GatewayGen0SizeVariable] = GatewayGen0Size }
            : [];

    private static string Capitalized(string configuration) => char.ToUpperInvariant(configuration[0]) + configuration[1..];

    /// <summary>The dotnet host running this CLI when there is one, so children use the same runtime; otherwise dotnet from PATH.</summary>
    private static string DotnetPath() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
