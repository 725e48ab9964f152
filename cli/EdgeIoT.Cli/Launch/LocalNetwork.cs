using System.Text.Json;
using System.Threading.Channels;
using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Launch;

/// <summary>
/// Starts and supervises the processes of a provisioned network on this machine: the Mosquitto broker,
/// the verifier, the executors, the gateways and the device simulator, in that order, each stage
/// ready before the next starts. Every host follows one contract: it runs as
/// <c>&lt;command&gt; --config &lt;file&gt; --parent-watch</c>, prints <c>EDGEIOT-READY &lt;role&gt; &lt;id&gt;</c> on stdout
/// once it serves, exits when its stdin reaches EOF, and shuts down cleanly on SIGTERM.
/// </summary>
public sealed partial class LocalNetwork : IAsyncDisposable
{
    public const string ReadyPrefix = "EDGEIOT-READY";

    private enum Stage { Broker, Verifier, Executors, Gateways, Devices }

    private sealed record Member(string Id, string Role, Stage Stage);

    private readonly IHostCommands _hosts;
    private readonly LaunchOptions _options;
    private readonly List<Member> _members;
    private readonly Dictionary<string, ChildProcess> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _extraArguments = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Channel<JsonElement> _deviceSimMessages;
    private ChildProcess? _brokerWatchdog;

    public LocalNetwork(string dir, IHostCommands? hosts = null, LaunchOptions? options = null)
    {
        Layout = new NetworkLayout(dir);
        Registry = NetworkRegistry.Load(Layout.Registry);
        _hosts = hosts ?? HostBinaries.FromEnvironment();
        _options = options ?? new LaunchOptions();
        _members =
        [
            new(NetworkLayout.BrokerId, "broker", Stage.Broker),
            new(NetworkLayout.VerifierId, "verifier", Stage.Verifier),
            .. Registry.Executors.Members.Select(e => new Member(e.Id, "executor", Stage.Executors)),
            .. Registry.Zones.SelectMany(z => z.Gateways).Select(g => new Member(g.Id, "gateway", Stage.Gateways)),
            new(NetworkLayout.DeviceSimId, "devicesim", Stage.Devices),
        ];
        _deviceSimMessages = Channel.CreateBounded<JsonElement>(new BoundedChannelOptions(_options.DeviceSimMessagesMax)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            // A restarted simulator can overlap the old one's last lines.
            SingleWriter = false,
        });
    }

    public NetworkLayout Layout { get; }
    public NetworkRegistry Registry { get; }

    /// <summary>Every process id in start order.</summary>
    public IReadOnlyList<string> ProcessIds => _members.Select(m => m.Id).ToList();

    /// <summary>Raised on a thread-pool thread whenever a process exits, expectedly or not.</summary>
    public event Action<ProcessExit>? ProcessExited;

    /// <summary>Each JSON object line the device simulator prints on stdout; other lines only go to its log.</summary>
    public ChannelReader<JsonElement> DeviceSimMessages => _deviceSimMessages.Reader;

    /// <summary>Starts the broker, the verifier, the executors and the gateways, each stage ready before the next.</summary>
    public async Task StartAllAsync(CancellationToken cancellationToken = default)
    {
        var members = _members.Where(m => m.Stage != Stage.Devices).ToList();
        CheckCanStart(members);
        try
        {
            foreach (var stage in new[] { Stage.Broker, Stage.Verifier, Stage.Executors, Stage.Gateways })
                await StartStageAsync(members.Where(m => m.Stage == stage).ToList(), cancellationToken);
        }
        catch
        {
            await StopAllAsync();
            throw;
        }
    }

    /// <summary>Starts the device simulator with <paramref name="extraArguments"/> after the contract's own and waits until it is ready.</summary>
    public async Task StartDevicesAsync(IEnumerable<string> extraArguments, CancellationToken cancellationToken = default)
    {
        lock (_lock) _extraArguments[NetworkLayout.DeviceSimId] = extraArguments.ToList();
        var member = MemberOf(NetworkLayout.DeviceSimId);
        CheckCanStart([member]);
        await StartStageAsync([member], cancellationToken);
    }

    /// <summary>Fails before anything starts when a host is not built or a port is taken.</summary>
    public void CheckCanStart(IReadOnlyList<string> ids) => CheckCanStart(ids.Select(MemberOf).ToList());

    public void Kill(string id, Signal signal = Signal.Kill)
    {
        if (Current(id) is { } process) process.Signal(signal);
    }

    /// <summary>The pid of the running process, for tests that simulate a crash the launcher did not ask for.</summary>
    public int? Pid(string id) => Current(id) is { HasExited: false } process ? process.Pid : null;

    /// <summary>Stops <paramref name="id"/> if it runs (SIGTERM, then SIGKILL after the grace period) and starts it again.</summary>
    public async Task RestartAsync(string id, CancellationToken cancellationToken = default)
    {
        var member = MemberOf(id);
        if (Current(id) is { } process) await StopProcessesAsync([process]);
        await StartStageAsync([member], cancellationToken);
    }

    /// <summary>The exit code of <paramref name="id"/>'s current process once it exits.</summary>
    public async Task<int> WaitForExitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var process = Current(id) ?? throw new LaunchException($"{id} was never started");
        try
        {
            return await process.Exit.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new LaunchException($"{process.Name} did not exit within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Stops every process, newest stage first: SIGTERM, then SIGKILL for those still running after the grace
    /// period. The device simulator goes first so it can report on a network that is still up.
    /// </summary>
    public async Task StopAllAsync()
    {
        foreach (var stage in Enum.GetValues<Stage>().Reverse())
        {
            if (stage == Stage.Broker && _brokerWatchdog is { } watchdog)
            {
                // Stopped first: the broker is about to get SIGTERM from us, not from the watchdog.
                watchdog.Signal(Signal.Kill);
                await watchdog.Exit.WaitAsync(_options.StopGrace);
            }
            var running = _members.Where(m => m.Stage == stage).Select(m => Current(m.Id)).OfType<ChildProcess>().Where(p => !p.HasExited).ToList();
            await StopProcessesAsync(running);
        }
    }

    /// <summary>Closes every child's stdin, as the kernel does when the launcher dies; hosts with --parent-watch exit.</summary>
    public void CloseStandardInputs()
    {
        lock (_lock)
        {
            foreach (var process in _processes.Values) process.CloseStandardInput();
            _brokerWatchdog?.CloseStandardInput();
        }
    }

    public NetworkHealth Health()
    {
        int Up(Stage stage) => _members.Count(m => m.Stage == stage && Current(m.Id) is { IsReady: true });
        return new NetworkHealth(
            BrokerUp: Up(Stage.Broker) == 1,
            VerifierUp: Up(Stage.Verifier) == 1,
            ExecutorsUp: Up(Stage.Executors), Executors: _members.Count(m => m.Stage == Stage.Executors),
            GatewaysUp: Up(Stage.Gateways), Gateways: _members.Count(m => m.Stage == Stage.Gateways));
    }

    /// <summary>How long <paramref name="id"/>'s current process took from spawn to its ready line; null if not ready.</summary>
    public TimeSpan? TimeToReady(string id) => Current(id)?.TimeToReady;

    /// <summary>The last lines <paramref name="id"/> printed (its current or last process).</summary>
    public IReadOnlyList<string> LogTail(string id, int lines) => Current(id)?.Tail(lines) ?? [];

    public string LogPath(string id) => Layout.Log(id);

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        CloseStandardInputs();
    }

    private Member MemberOf(string id) =>
        _members.FirstOrDefault(m => m.Id == id) ?? throw new LaunchException($"\"{id}\" is not a process of network {Registry.NetworkId} (known: {string.Join(", ", _members.Select(m => m.Id))})");

    private ChildProcess? Current(string id)
    {
        lock (_lock) return _processes.GetValueOrDefault(id);
    }
}
