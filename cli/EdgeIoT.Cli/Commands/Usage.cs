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
                      [--rate TPS] (the devices together send at most TPS transactions a second,
                      spread evenly; each still waits for its response)
                      [--conflict PCT] (0-50: kv transactions that read-modify-write a few hot keys)
                      [--declare-rw] (kv transactions declare their read/write sets)
                      [--spawning out-of-order|sequential|decentralized] [--conflict-avoidance]
                      with conflicts, executors are raised to 3 f_E + 1 when fewer (docs/conflicts.md)
                      [--global PCT] (0-100: device requests that migrate to another zone; needs --zones 2+)
                      [--leader stable|election] (docs/zones.md)
                      [--zone-delays paper|A-B=MS,...] (emulated one-way delays between regions; each zone
                      is a region, "paper" places zones in ziziphus §5's datacenters: CA, OH, QC, …)
                      [--regions N] (one zone: its gateways round-robin over N regions, the flat-PBFT
                      baseline; e.g. --zones 1 --gateways 12 --regions 3 --zone-delays paper)
          audit       check a network's data, read-only: the verifier database equals a replay of its
                      log, and every response a simulated device verified matches the log
                      [--dir data/local]
          test        run the test suites (./edgeiot test [dotnet test options])
          sim         the deterministic simulator: every scenario over seeds, or one seed replayed
                      [--list] [--seeds N] [--seed X --scenario NAME] [--unsafe commit-quorum|verifier-quorum|global-quorum|accept-below-promise|skip-lock]
                      [--soak MINUTES]   (edgeiot sim --help for the rest)
          bench       the papers' experiments on this machine (docs/performance.md); writes one JSON per
                      run and per experiment a CSV and a PNG (gnuplot) under --results
                      [--smoke] (every experiment a few seconds at its smallest size) [--only Q1,Q8,ORDERING,Z3]
                      [--list] [--results results] [--work-dir data/bench] [--base-port 24000] [--seconds S]

        exit codes: 0 success, 1 failure, 2 usage error

        """;

    public const string Short = "usage: edgeiot <provision|up|sim|bench|audit|test> [options]   (`edgeiot help` lists the options)\n";
}
