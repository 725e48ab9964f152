using EdgeIoT.Cli.Launch;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// Bash stand-ins for the real hosts, following the host contract: ready line on stdout, exit on stdin
/// EOF, clean exit on SIGTERM. A test overrides the script of any process id. Scripts get role, id,
/// config path and extra arguments as $1.. and every start is appended to starts.txt in the network folder.
/// </summary>
internal sealed class FakeHosts : IHostCommands
{
    public const string ContractHost = """
        trap 'echo "stopping on SIGTERM"; exit 0' TERM
        echo "fake $ROLE $ID starting: $*"
        echo "a line on stderr" >&2
        echo "EDGEIOT-READY $ROLE $ID"
        while read -r _; do :; done
        echo "stdin closed, exiting"
        """;

    private readonly Dictionary<string, string> _scripts = new(StringComparer.Ordinal);

    public FakeHosts With(string id, string script)
    {
        _scripts[id] = script;
        return this;
    }

    public HostCommand For(string role, string id, string configPath, IReadOnlyList<string> extraArguments)
    {
        var body = _scripts.GetValueOrDefault(id, ContractHost);
        var script = $"""
            ROLE="$1"; ID="$2"; shift 2
            echo "$ID" >> starts.txt
            {body}
            """;
        return new HostCommand("/bin/bash", ["-c", script, "fakehost", role, id, "--config", configPath, "--parent-watch", .. extraArguments]);
    }
}
