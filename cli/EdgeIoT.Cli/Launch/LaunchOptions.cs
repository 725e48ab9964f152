namespace EdgeIoT.Cli.Launch;

public sealed record LaunchOptions
{
    /// <summary>How long one stage (the broker, the verifier, all executors, all gateways, the simulator) may take to become ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long a process has to exit after SIGTERM before it gets SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);
    public string MosquittoPath { get; init; } = "/usr/sbin/mosquitto";
    /// <summary>Lines of each process's output kept in memory.</summary>
    public int LogTailLines { get; init; } = 200;
    /// <summary>Lines of a process's output quoted in an error message.</summary>
    public int ErrorTailLines { get; init; } = 40;
    /// <summary>Parsed JSON lines of the device simulator kept for a slow reader before the oldest are dropped.</summary>
    public int DeviceSimMessagesMax { get; init; } = 10_000;
}
