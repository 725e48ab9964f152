using EdgeIoT.Cli.Launch;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// Bash stand-ins for the real hosts, following the host contract: ready line on stdout, exit on stdin
/// EOF, clean exit on SIGTERM. A test overrides the script of any process id. Scripts get role, id,
/// config path and extra arguments as $1.. and every start appends its id to starts.txt and its pid to pids.txt in the network folder.
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

    /// <summary>
    /// The device simulator's stdout contract: stats every second (100 more commits each), a summary
    /// after --seconds or on SIGTERM, exit 0.
    /// </summary>
    public const string Simulator = """
        echo "simulating devices: $*"
        seconds=""
        while [ $# -gt 0 ]; do case "$1" in --seconds) seconds="$2"; shift;; esac; shift; done
        i=0; committed=0
        counters() { echo "\"elapsed_s\":$i.0,\"committed\":$committed,\"aborted\":1,\"rejected\":2,\"responses_verified\":$committed,\"timeouts\":0,\"in_flight\":3,\"latency_ms\":{\"p50\":7.9,\"p90\":12.5,\"p99\":21.4}"; }
        summary() { echo "{\"type\":\"summary\",$(counters),\"throughput_tps\":100.0,\"duration_s\":$i.0}"; }
        trap 'summary; exit 0' TERM
        echo "EDGEIOT-READY $ROLE $ID"
        while [ -z "$seconds" ] || [ "$i" -lt "$seconds" ]; do
          read -t 1 _; [ $? -eq 1 ] && exit 0
          i=$((i+1)); committed=$((committed+100))
          echo "{\"type\":\"stats\",$(counters)}"
        done
        summary
        """;

    private readonly Dictionary<string, string> _scripts = new(StringComparer.Ordinal) { ["devicesim"] = Simulator };

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
            echo "$$" >> pids.txt
            {body}
            """;
        return new HostCommand("/bin/bash", ["-c", script, "fakehost", role, id, "--config", configPath, "--parent-watch", .. extraArguments]);
    }
}
