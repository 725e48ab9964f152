namespace EdgeIoT.Cli.Launch;

/// <summary>A network or one of its processes could not be started, or died; the message says which and why.</summary>
public sealed class LaunchException(string message) : Exception(message);
