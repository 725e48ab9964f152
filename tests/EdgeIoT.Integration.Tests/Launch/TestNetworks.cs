using EdgeIoT.Cli.Launch;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>Small provisioned networks on ports no other test or process uses.</summary>
internal static class TestNetworks
{
    private static readonly Lock PortLock = new();
    // Below Linux's ephemeral range (32768 and up): an outgoing connection of any process may take a port
    // there after it was checked free, and a gateway would then fail to listen on it.
    private const int BasePortMin = 20000, BasePortMax = 32000;
    private static int _nextBasePort = BasePortMin + Random.Shared.Next(0, 80) * 100;

    /// <summary>
    /// The hosts of this build: the repository above the test's output folder, in the configuration the
    /// tests were built in (artifacts/bin/&lt;project&gt;/&lt;configuration&gt;/).
    /// </summary>
    public static HostBinaries ThisBuild() =>
        new(HostBinaries.FindRepoRoot(AppContext.BaseDirectory)!, new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name.ToLowerInvariant());

    public static NetworkLayout Provision(string dir, int zones = 1, int devices = 5) =>
        LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Zones = zones, Devices = devices, BasePort = FreeBasePort(zones) }, dir);

    /// <summary>A base port whose whole plan is free now; successive calls never overlap.</summary>
    public static int FreeBasePort(int zones = 1)
    {
        lock (PortLock)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var basePort = _nextBasePort;
                var plan = new PortPlan(basePort);
                if (plan.HighestPort(zones) >= BasePortMax)
                {
                    _nextBasePort = BasePortMin;
                    continue;
                }
                _nextBasePort = plan.HighestPort(zones) + 1 + 100;
                if (Enumerable.Range(basePort, plan.HighestPort(zones) - basePort + 1).All(Core.Net.LocalPorts.IsFree)) return basePort;
            }
            throw new InvalidOperationException("no free port range found for a test network");
        }
    }
}

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition, string what, double timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {timeoutSeconds} s: {what}");
            await Task.Delay(20);
        }
    }
}

internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgeiot-launch-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>EDGEIOT_KEEP_TEST_DIRS=1 keeps the folder (logs, databases) for a post-mortem.</summary>
    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("EDGEIOT_KEEP_TEST_DIRS") == "1") return;
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
