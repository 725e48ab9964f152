namespace EdgeIoT.Cli.Launch;

/// <summary>An executable, its arguments, and environment variables to set for it.</summary>
public sealed record HostCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public override string ToString() =>
        string.Join(' ', Environment.Select(e => $"{e.Key}={Quote(e.Value)}").Concat(Arguments.Prepend(FileName).Select(Quote)));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}

/// <summary>
/// How the launcher runs a host of a given role. The default runs the built DLLs; tests substitute
/// scripts that follow the same contract.
/// </summary>
public interface IHostCommands
{
    /// <summary>
    /// The command for one host; <paramref name="extraArguments"/> go last. Throws
    /// <see cref="LaunchException"/> when the host cannot be run (for example, it is not built).
    /// </summary>
    HostCommand For(string role, string id, string configPath, IReadOnlyList<string> extraArguments);
}
