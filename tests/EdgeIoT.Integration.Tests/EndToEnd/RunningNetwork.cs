using EdgeIoT.Cli.Launch;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Integration.Tests.Launch;
using EdgeIoT.Provisioning;
using EdgeIoT.Verifier.Storage;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>End-to-end tests start whole networks of real processes; they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}

/// <summary>
/// A provisioned local network running as real processes — Mosquitto, the verifier, executors,
/// gateways — from the binaries built with this test assembly, plus in-process devices using the SDK.
/// </summary>
internal sealed class RunningNetwork : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly List<DeviceConnection> _connections = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ITestOutputHelper? _output;

    /// <summary>Lines of each process's log written to the test's output at the end: shown when the test fails.</summary>
    private const int LogTailLines = 40;

    private RunningNetwork(TempDir dir, NetworkLayout layout, LocalNetwork network, ITestOutputHelper? output)
    {
        _dir = dir;
        _output = output;
        Layout = layout;
        Network = network;
        Registry = NetworkRegistry.Load(layout.Registry);
    }

    public NetworkLayout Layout { get; }
    public LocalNetwork Network { get; }
    public NetworkRegistry Registry { get; }
    public HttpClient Http => _http;
    public string VerifierDatabasePath => Path.Combine(Layout.State(NetworkLayout.VerifierId), "verifier.db");

    /// <summary>
    /// Provisions and starts a network; <paramref name="customize"/> adjusts the spec, <paramref name="beforeStart"/> the files.
    /// With <paramref name="output"/>, the tail of every process's log goes to the test's output when the network is disposed,
    /// so a failed run can be read after its folder is gone.
    /// </summary>
    public static async Task<RunningNetwork> StartAsync(int devices = 50, Func<LocalNetworkSpec, LocalNetworkSpec>? customize = null, Action<NetworkLayout>? beforeStart = null, ITestOutputHelper? output = null)
    {
        var spec = new LocalNetworkSpec { Devices = devices };
        spec = customize?.Invoke(spec) ?? spec;
        spec = spec with { BasePort = TestNetworks.FreeBasePort(spec.Zones) };
        var dir = new TempDir();
        var layout = LocalNetworkProvisioner.Provision(spec, dir.Sub("net"));
        beforeStart?.Invoke(layout);
        var network = new LocalNetwork(layout.Root, TestNetworks.ThisBuild());
        var running = new RunningNetwork(dir, layout, network, output);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await network.StartAllAsync(timeout.Token);
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
        return running;
    }

    /// <summary>Attaches SDK clients for the first <paramref name="count"/> registered devices, sharing a few MQTT connections.</summary>
    public async Task<List<DeviceClient>> DevicesAsync(int count, int connections = 4, DeviceClientOptions? options = null)
    {
        var clients = new List<DeviceClient>(count);
        var shared = new List<DeviceConnection>();
        for (var i = 0; i < Math.Min(connections, count); i++)
        {
            var connection = new DeviceConnection(Registry, $"test-devices-{Guid.NewGuid():N}");
            _connections.Add(connection);
            shared.Add(connection);
            await connection.ConnectAsync(CancellationToken.None);
        }
        for (var i = 0; i < count; i++)
        {
            var info = Registry.Devices[i];
            var key = KeyFile.Read(Layout.DeviceKey(info.Id));
            clients.Add(await DeviceClient.AttachAsync(shared[i % shared.Count], new DeviceIdentity(info.Id, info.Zone, key), _http,
                options ?? new DeviceClientOptions { ResponseTimeoutMs = 3000, SubmitDeadlineMs = 90_000 }));
        }
        return clients;
    }

    /// <summary>SIGKILLs process <paramref name="id"/> and waits until it is gone.</summary>
    public async Task KillAsync(string id)
    {
        Network.Kill(id, Signal.Kill);
        Assert.Equal(137, await Network.WaitForExitAsync(id, TimeSpan.FromSeconds(10)));
    }

    public SigningKey DeviceKey(string deviceId) => KeyFile.Read(Layout.DeviceKey(deviceId));

    /// <summary>Audits the verifier's database (read-only; WAL lets it run beside the live verifier).</summary>
    public LogAudit.Report Audit()
    {
        using var database = VerifierDatabase.OpenReadOnly(VerifierDatabasePath);
        return LogAudit.Run(Registry, database);
    }

    public List<Verifier.Protocol.DecidedEntry> Log()
    {
        using var database = VerifierDatabase.OpenReadOnly(VerifierDatabasePath);
        return database.ReadLog().ToList();
    }

    public Dictionary<string, string?> Rows(string prefix)
    {
        using var database = VerifierDatabase.OpenReadOnly(VerifierDatabasePath);
        return database.ReadAllKv().Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(r => r.Key, r => r.Value.Value);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        await Network.DisposeAsync();
        WriteLogTails();
        _http.Dispose();
        _dir.Dispose();
    }

    private void WriteLogTails()
    {
        if (_output is null) return;
        foreach (var id in Network.ProcessIds)
        {
            var path = Network.LogPath(id);
            if (!File.Exists(path)) continue;
            var lines = File.ReadLines(path).TakeLast(LogTailLines).ToList();
            _output.WriteLine($"--- last {lines.Count} lines of {id}.log ---");
            foreach (var line in lines) _output.WriteLine(line);
        }
    }
}
