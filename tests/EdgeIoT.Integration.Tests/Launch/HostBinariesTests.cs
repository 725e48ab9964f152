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
    }

    [Fact]
    public void Repo_root_is_found_from_the_build_output()
    {
        var root = HostBinaries.FindRepoRoot(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "EdgeIoT.sln")));
    }
}
