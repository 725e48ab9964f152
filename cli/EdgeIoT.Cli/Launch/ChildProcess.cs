using System.Diagnostics;
using System.Globalization;

namespace EdgeIoT.Cli.Launch;

/// <summary>
/// One OS process the launcher started: its output goes line by line to a log file and a bounded
/// in-memory tail, its ready line is watched for, and its stdin pipe stays open for as long as the
/// launcher wants it alive — a host started with --parent-watch exits when that pipe closes, which the
/// kernel also does when the launcher dies.
/// </summary>
public sealed class ChildProcess
{
    /// <summary>
    /// setsid(1) puts the child in its own session, so a Ctrl-C in the terminal reaches only the
    /// launcher, which then stops the children in order. Started from a process that is not a group
    /// leader, setsid execs in place: the child keeps the pid the launcher signals.
    /// </summary>
    private const string SetsidPath = "/usr/bin/setsid";
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(2);

    private readonly HostCommand _command;
    private readonly string _workingDirectory;
    private readonly string? _readyLine;
    private readonly LogTail _tail;
    private readonly Lock _logLock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private StreamWriter? _log;
    private volatile bool _exitExpected;

    public ChildProcess(string id, string role, HostCommand command, string workingDirectory, string logPath, string? readyLine, int tailLinesMax)
    {
        Id = id;
        Role = role;
        _command = command;
        _workingDirectory = workingDirectory;
        LogPath = logPath;
        _readyLine = readyLine;
        _tail = new LogTail(tailLinesMax);
    }

    public string Id { get; }
    public string Role { get; }
    public string LogPath { get; }
    public int Pid { get; private set; }
    /// <summary>"gateway z1-g0", or just "verifier" when the id says it all.</summary>
    public string Name => NameOf(Role, Id);

    public static string NameOf(string role, string id) => role == id ? id : $"{role} {id}";

    /// <summary>Completes when the process printed its ready line.</summary>
    public Task Ready => _ready.Task;
    /// <summary>Completes with the exit code once the process exited, its output is logged and the <see cref="Exited"/> handlers ran (128 + n after signal n).</summary>
    public Task<int> Exit => _exit.Task;
    public bool HasExited => _exit.Task.IsCompleted;
    public bool IsReady => _ready.Task.IsCompleted && !HasExited;
    /// <summary>True once the launcher itself asked the process to stop, so its exit is no failure.</summary>
    public bool ExitExpected => _exitExpected;

    /// <summary>From spawning the process to its ready line (runtime start-up included); null until ready.</summary>
    public TimeSpan? TimeToReady { get; private set; }
    private long _startedTimestamp;

    /// <summary>Each stdout line, on a thread-pool thread, in order.</summary>
    public event Action<ChildProcess, string>? StandardOutputLine;
    /// <summary>Raised once after the process exited and its output was logged, before <see cref="Exit"/> completes (<see cref="HasExited"/> is still false in a handler).</summary>
    public event Action<ChildProcess, int>? Exited;

    public void Start()
    {
        if (_process is not null) throw new InvalidOperationException($"{Id} was already started; start a new ChildProcess");
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        _log = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        var info = new ProcessStartInfo
        {
            WorkingDirectory = _workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (File.Exists(SetsidPath))
        {
            info.FileName = SetsidPath;
            info.ArgumentList.Add(_command.FileName);
        }
        else
        {
            info.FileName = _command.FileName;
        }
        foreach (var argument in _command.Arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in _command.Environment) info.Environment[name] = value;

        WriteLog($"==== edgeiot {Now()}: starting {Name}: {_command}");
        var process = new Process { StartInfo = info };
        try
        {
            _startedTimestamp = Stopwatch.GetTimestamp();
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            WriteLog($"==== edgeiot: could not start: {e.Message}");
            CloseLog();
            throw new LaunchException($"cannot start {Name}: `{_command}` failed: {e.Message}");
        }
        _process = process;
        Pid = process.Id;
        WriteLog($"==== edgeiot: pid {Pid}");
        var stdout = PumpAsync(process.StandardOutput, isStdout: true);
        var stderr = PumpAsync(process.StandardError, isStdout: false);
        _ = WatchExitAsync(process, stdout, stderr);
    }

    /// <summary>For a process without a ready line: the launcher saw by other means (an open port) that it serves.</summary>
    public void MarkReady() => _ready.TrySetResult();

    /// <summary>Sends a signal; false when the process has already exited.</summary>
    public bool Signal(Signal signal)
    {
        _exitExpected = true;
        if (_process is null || HasExited) return false;
        WriteLog($"==== edgeiot {Now()}: sending SIG{signal.ToString().ToUpperInvariant()}");
        return Libc.Kill(Pid, signal);
    }

    /// <summary>Closes the child's stdin, as the kernel does when the launcher dies.</summary>
    public void CloseStandardInput()
    {
        try { _process?.StandardInput.Close(); }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
    }

    public IReadOnlyList<string> Tail(int lines) => _tail.Last(lines);

    private async Task PumpAsync(StreamReader reader, bool isStdout)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                _tail.Add(line);
                WriteLog(line);
                if (!isStdout) continue;
                if (_readyLine is not null && line.TrimEnd() == _readyLine && !_ready.Task.IsCompleted)
                {
                    TimeToReady = Stopwatch.GetElapsedTime(_startedTimestamp);
                    _ready.TrySetResult();
                }
                StandardOutputLine?.Invoke(this, line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            WriteLog($"==== edgeiot: output stream failed: {e.Message}");
        }
    }

    private async Task WatchExitAsync(Process process, Task stdout, Task stderr)
    {
        await process.WaitForExitAsync();
        // A grandchild that inherited the pipes can keep them open after the child exits: bound the drain.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(OutputDrainTimeout));
        var code = process.ExitCode;
        WriteLog($"==== edgeiot {Now()}: {Id} {DescribeExit(code)}");
        CloseLog();
        CloseStandardInput();
        process.Dispose();
        // Handlers first: whoever awaits Exit (StopAllAsync) then sees what they did, such as a
        // ProcessExited event, instead of racing them.
        try
        {
            Exited?.Invoke(this, code);
        }
        finally
        {
            _exit.TrySetResult(code);
        }
    }

    /// <summary>"exited with code 3" or "was killed by SIGKILL (exit code 137)".</summary>
    public static string DescribeExit(int code) => code switch
    {
        > 128 and < 160 => $"was killed by {SignalName(code - 128)} (exit code {code})",
        _ => $"exited with code {code}",
    };

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE",
        9 => "SIGKILL", 11 => "SIGSEGV", 13 => "SIGPIPE", 15 => "SIGTERM",
        _ => $"signal {signal}",
    };

    private static string Now() => DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);

    private void WriteLog(string line)
    {
        lock (_logLock)
        {
            if (_log is null) return;
            // Flushed per line so `tail -f` and a post-mortem see everything up to a crash.
            _log.WriteLine(line);
            _log.Flush();
        }
    }

    private void CloseLog()
    {
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}
