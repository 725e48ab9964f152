namespace EdgeIoT.Cli.Launch;

/// <summary>A process of the network exited. <paramref name="Expected"/> is true when the launcher asked it to stop.</summary>
public sealed record ProcessExit(string Id, string Role, int ExitCode, bool Expected, string LogPath, IReadOnlyList<string> LogTail)
{
    public string Describe() => $"{ChildProcess.NameOf(Role, Id)} {ChildProcess.DescribeExit(ExitCode)}";
}

/// <summary>How many processes of each kind are running and ready.</summary>
public sealed record NetworkHealth(bool BrokerUp, bool VerifierUp, int ExecutorsUp, int Executors, int GatewaysUp, int Gateways);
