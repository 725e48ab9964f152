namespace EdgeIoT.Cli.Commands;

public static class Usage
{
    public const string Text = """
        usage: edgeiot <command> [options]

        commands:
          provision   generate a local network: registry, keys, process configs, broker config
                      [--dir data/local] [--zones 1] [--gateways 4] [--executors 3] [--devices 50]
                      [--base-port 17000] [--seed N] [--force]
          up          provision a fresh network into --dir (wiping it), run it with the device simulator
                      and show live progress; Ctrl-C stops everything
                      [--dir data/local] [--seconds S] [--report FILE] [--devices 50]
                      [--workload kv|ledger|telemetry|mixed] [--zones 1] [--gateways 4] [--executors 3]
                      [--base-port 17000] [--seed N]
          test        run the test suites (./edgeiot test [dotnet test options])
          sim         the deterministic simulator: every scenario over seeds, or one seed replayed
                      [--list] [--seeds N] [--seed X --scenario NAME] [--unsafe commit-quorum|verifier-quorum]
                      [--soak MINUTES]   (edgeiot sim --help for the rest)
          audit, bench   not yet available

        exit codes: 0 success, 1 failure, 2 usage error

        """;

    public const string Short = "usage: edgeiot <provision|up|sim|test> [options]   (`edgeiot help` lists the options)\n";
}
