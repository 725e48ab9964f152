using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeIoT.Integration.Tests.Infrastructure;

/// <summary>
/// A real mosquitto broker process on a free loopback port, with its own temporary configuration.
/// Use it as a class fixture (<c>IClassFixture&lt;MosquittoBroker&gt;</c>) to share one broker among a
/// class's tests, or create one per test with <see cref="StartNewAsync"/> when the test stops or pauses
/// it. The port stays the same across <see cref="Stop"/> and <see cref="StartAsync"/>, so clients can
/// reconnect to a restarted broker. A fixture needing extra broker settings derives from this class
/// and passes them to the protected constructor.
/// </summary>
/// <remarks>
/// mosquitto block-buffers stdout when it is a pipe, so <see cref="Output"/> fills in when the broker
/// stops (Stop and Dispose terminate it gracefully), not live.
/// </remarks>
public partial class MosquittoBroker : IAsyncLifetime, IDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";
    public const string Host = "127.0.0.1";

    private const int StartTimeoutMs = 10_000;
    private const int StopTimeoutMs = 5_000;
    private const int ProbeTimeoutMs = 250;
    private const int ProbeIntervalMs = 20;
    private const int MaxOutputLines = 500;
    private const int StartAttempts = 3;

    private static readonly HashSet<int> PortsHandedOut = [];

    private readonly string _directory;
    private readonly string? _extraConfig;
    private readonly Lock _gate = new();
    private readonly Queue<string> _output = new();
    private Process? _process;
    private bool _disposed;

    /// <summary>For xunit fixtures; the broker starts in <see cref="IAsyncLifetime.InitializeAsync"/>.</summary>
    public MosquittoBroker() : this(extraConfig: null)
    {
    }

    /// <param name="extraConfig">mosquitto.conf lines appended to the defaults, e.g. "max_packet_size 1024".</param>
    protected MosquittoBroker(string? extraConfig)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing; install the Debian package 'mosquitto'");
        _extraConfig = extraConfig;
        _directory = Directory.CreateTempSubdirectory("edgeiot-mosquitto-").FullName;
        Port = ReservePort();
        WriteConfig();
    }

    public int Port { get; private set; }

    public string ConfigPath => Path.Combine(_directory, "mosquitto.conf");

    public bool IsRunning
    {
        get { lock (_gate) return _process is { HasExited: false }; }
    }

    /// <summary>The broker's most recent log lines (stdout and stderr), oldest first.</summary>
    public IReadOnlyList<string> Output
    {
        get { lock (_output) return [.. _output]; }
    }

    /// <summary>Creates a broker and waits until it accepts connections.</summary>
    public static async Task<MosquittoBroker> StartNewAsync(string? extraConfig = null)
    {
        var broker = new MosquittoBroker(extraConfig);
        try
        {
            await broker.StartOnFreshPortAsync().ConfigureAwait(false);
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>Starts the broker on <see cref="Port"/> and waits until the port accepts connections.</summary>
    public async Task StartAsync()
    {
        Process process;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_process is { HasExited: false }) throw new InvalidOperationException("the broker is already running");
            _process?.Dispose();
            _process = process = Launch();
        }
        await WaitUntilAcceptingAsync(process).ConfigureAwait(false);
    }

    /// <summary>Terminates the broker (SIGTERM, then SIGKILL after 5 s) and waits for it to exit.</summary>
    public void Stop() => Signal(Sigterm, graceful: true);

    /// <summary>Kills the broker at once, like a crash.</summary>
    public void Kill() => Signal(Sigkill, graceful: false);

    /// <summary>Stops the broker if it runs and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        Stop();
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Freezes the broker (SIGSTOP): connections stay open but nothing is answered.</summary>
    public void Pause() => SendSignal(Sigstop);

    /// <summary>Thaws a paused broker (SIGCONT).</summary>
    public void Resume() => SendSignal(Sigcont);

    Task IAsyncLifetime.InitializeAsync() => StartOnFreshPortAsync();

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        try
        {
            SendSignal(Sigcont); // a paused broker cannot act on SIGTERM
            Stop();
        }
        finally
        {
            lock (_gate) _process?.Dispose();
            lock (PortsHandedOut) PortsHandedOut.Remove(Port);
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }

    public override string ToString() => $"mosquitto on {Host}:{Port}";

    /// <summary>Another process may grab the port between our check and the broker's bind; pick again then.</summary>
    private async Task StartOnFreshPortAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync().ConfigureAwait(false);
                return;
            }
            catch (BrokerExitedException) when (attempt < StartAttempts)
            {
                lock (PortsHandedOut) PortsHandedOut.Remove(Port);
                Port = ReservePort();
                WriteConfig();
            }
        }
    }

    private void WriteConfig()
    {
        File.WriteAllText(ConfigPath, $"""
            listener {Port} {Host}
            allow_anonymous true
            persistence false
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            log_type information
            {_extraConfig}

            """);
    }

    private Process Launch()
    {
        var info = new ProcessStartInfo(Executable, ["-c", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > MaxOutputLines) _output.Dequeue();
        }
    }

    private async Task WaitUntilAcceptingAsync(Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync().ConfigureAwait(false); // drains the output readers
                throw new BrokerExitedException($"mosquitto exited with code {process.ExitCode} while starting on port {Port}:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }
            if (await AcceptsConnectionAsync().ConfigureAwait(false)) return;
            if (deadline.ElapsedMilliseconds > StartTimeoutMs)
            {
                Stop();
                throw new TimeoutException($"mosquitto did not accept connections on port {Port} within {StartTimeoutMs} ms:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }
            await Task.Delay(ProbeIntervalMs).ConfigureAwait(false);
        }
    }

    private async Task<bool> AcceptsConnectionAsync()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ProbeTimeoutMs);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Signal(int signal, bool graceful)
    {
        Process? process;
        lock (_gate) process = _process;
        if (process is null || process.HasExited) return;
        SendSignal(signal);
        if (graceful && !process.WaitForExit(StopTimeoutMs))
            process.Kill();
        process.WaitForExit(); // also waits for the output readers to drain
    }

    private void SendSignal(int signal)
    {
        Process? process;
        lock (_gate) process = _process;
        if (process is null || process.HasExited) return;
        // ESRCH just means the process exited in the meantime.
        _ = kill(process.Id, signal);
    }

    /// <summary>
    /// A port below the kernel's ephemeral range: a client reconnecting to a stopped broker on an
    /// ephemeral port can be handed that very port as its source and connect to itself (TCP
    /// simultaneous open), which would then keep the restarted broker from binding.
    /// </summary>
    private static int ReservePort()
    {
        int ephemeralLow = ReadEphemeralLow();
        int low = Math.Min(20_000, ephemeralLow / 2);
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(low, ephemeralLow);
            lock (PortsHandedOut)
            {
                if (PortsHandedOut.Contains(port) || !Core.Net.LocalPorts.IsFree(port)) continue;
                PortsHandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port found in {low}..{ephemeralLow - 1}");
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return 32_768; // Linux's default
        }
    }

    private const int Sigkill = 9;
    private const int Sigterm = 15;
    private const int Sigcont = 18;
    private const int Sigstop = 19;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    private sealed class BrokerExitedException(string message) : Exception(message);
}
