using System.Diagnostics;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// A host asked to stop while it is still starting (its parent gone, SIGTERM, Ctrl-C) exits cleanly:
/// exit code 0 and no unhandled exception, whichever start-up step the request interrupts.
/// </summary>
public sealed class HostShutdownTests
{
    [Theory]
    [InlineData("gateway", "z1-g1")]
    [InlineData("verifier", NetworkLayout.VerifierId)]
    [InlineData("executor", "e0")]
    public async Task A_host_whose_parent_is_gone_during_start_up_exits_cleanly(string role, string id)
    {
        using var dir = new TempDir();
        var layout = TestNetworks.Provision(dir.Sub("net"));
        var command = TestNetworks.ThisBuild().For(role, id, layout.Config(id), []);
        var start = new ProcessStartInfo(command.FileName, command.Arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        // --parent-watch: end of standard input means the parent is gone. Closing it at once makes the
        // stop request arrive while the host is still loading, before any broker or peer is reachable
        // (none is started here).
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        var errors = await stderr;
        Assert.DoesNotContain("Unhandled exception", errors);
        Assert.True(process.ExitCode == 0, $"{role} exited with {process.ExitCode}: {errors}\n{await stdout}");
    }
}
