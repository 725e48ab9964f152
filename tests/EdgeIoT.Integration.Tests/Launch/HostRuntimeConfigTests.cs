using System.Diagnostics;
using System.Text.Json;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// Runtime settings every host must run with on a small shared machine: one GC heap, and no file
/// watchers on the folder the network writes into (docs/performance.md, "Profiles and what we tried").
/// </summary>
public sealed class HostRuntimeConfigTests
{
    /// <summary>A host's runtimeconfig.json properties; the test's output folder holds every host's (they are project references).</summary>
    private static JsonElement ConfigProperties(string project, out string path)
    {
        path = Path.Combine(AppContext.BaseDirectory, project + ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Theory]
    [InlineData("EdgeIoT.Gateway")]
    [InlineData("EdgeIoT.Verifier")]
    [InlineData("EdgeIoT.Functions")]
    [InlineData("EdgeIoT.DeviceSim")]
    public void Every_host_runs_with_the_workstation_gc(string project)
    {
        var properties = ConfigProperties(project, out var path);

        Assert.True(properties.TryGetProperty("System.GC.Server", out var server), $"{path} does not set System.GC.Server");
        Assert.False(server.GetBoolean(), $"{project} runs with the server GC (a heap and a GC thread per core)");
    }

    [Theory]
    [InlineData("EdgeIoT.Verifier")]
    [InlineData("EdgeIoT.Functions")]
    [InlineData("EdgeIoT.DeviceSim")]
    public void The_web_hosts_and_the_device_simulator_compile_optimized_at_once(string project)
    {
        var properties = ConfigProperties(project, out var path);

        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.QuickJit", out var quick), $"{path} does not turn quick JIT off");
        Assert.False(quick.GetBoolean());
    }

    [Fact]
    public void Gateways_run_without_tiered_pgo()
    {
        var properties = ConfigProperties("EdgeIoT.Gateway", out var path);

        Assert.True(properties.TryGetProperty("System.Runtime.TieredPGO", out var pgo), $"{path} does not set TieredPGO");
        Assert.False(pgo.GetBoolean()); // an instrumented copy of every hot method costs a gateway 2-4 MiB
    }

    [Theory]
    [InlineData("executor", "e0", "EDGEIOT-READY executor")]
    [InlineData("verifier", NetworkLayout.VerifierId, "resuming at k_max")] // no broker here: the verifier waits for it after this line
    public async Task A_web_host_started_in_the_network_folder_does_not_watch_it(string role, string id, string startedLine)
    {
        using var dir = new TempDir();
        var layout = TestNetworks.Provision(dir.Sub("net"));
        var command = TestNetworks.ThisBuild().For(role, id, layout.Config(id), []);
        var start = new ProcessStartInfo(command.FileName, command.Arguments)
        {
            WorkingDirectory = layout.Root, // as `edgeiot up` starts it
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line;
            do line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            while (line is not null && !line.Contains(startedLine, StringComparison.Ordinal));
            if (line is null) Assert.Fail($"{role} ended before \"{startedLine}\": {await process.StandardError.ReadToEndAsync()}");

            // An inotify instance is how .NET's FileSystemWatcher watches; every write under the watched
            // folder (logs, SQLite pages of every process) would wake this host.
            var watchers = Directory.GetFiles($"/proc/{process.Id}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .Count(target => target is not null && target.Contains("inotify", StringComparison.Ordinal));
            Assert.Equal(0, watchers);
        }
        finally
        {
            process.StandardInput.Close(); // --parent-watch: the host stops
            if (!process.WaitForExit(30_000)) process.Kill(entireProcessTree: true);
        }
    }
}
