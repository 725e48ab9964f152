using EdgeIoT.Cli.Launch;

namespace EdgeIoT.Integration.Tests.Launch;

public sealed class HostBinariesTests
{
    [Fact]
    public void Hosts_run_as_dotnet_dll_with_config_and_parent_watch()
    {
        using var repo = new TempDir();
        var dll = Path.Combine(repo.Path, "artifacts", "bin", "EdgeIoT.Functions", "debug", "EdgeIoT.Functions.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        File.WriteAllText(dll, "");

        var command = new HostBinaries(repo.Path, "debug").For("executor", "e0", "/net/config/e0.json", ["--extra"]);

        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(command.FileName));
        Assert.Equal([dll, "--config", "/net/config/e0.json", "--parent-watch", "--extra"], command.Arguments);
        Assert.Empty(command.Environment);
    }

    [Fact]
    public void Gateways_run_with_a_small_gen0_budget()
    {
        using var repo = new TempDir();
        var dll = Path.Combine(repo.Path, "artifacts", "bin", "EdgeIoT.Gateway", "release", "EdgeIoT.Gateway.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        File.WriteAllText(dll, "");

        var command = new HostBinaries(repo.Path, "release").For("gateway", "z1-g0", "/net/config/z1-g0.json", []);

        if (Environment.GetEnvironmentVariable(HostBinaries.GatewayGen0SizeVariable) is { Length: > 0 })
            Assert.Empty(command.Environment); // the operator's own setting is inherited, not overridden
        else
        {
            Assert.Equal(HostBinaries.GatewayGen0Size, command.Environment[HostBinaries.GatewayGen0SizeVariable]);
            Assert.StartsWith($"{HostBinaries.GatewayGen0SizeVariable}={HostBinaries.GatewayGen0Size} ", command.ToString()); // as the launcher logs it
        }
    }

    [Fact]
    public void Repo_root_is_found_from_the_build_output()
    {
        var root = HostBinaries.FindRepoRoot(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "EdgeIoT.sln")));
    }
}
