using System.Text.Json;
using EdgeIoT.Bench.Cluster;
using EdgeIoT.Core.Hosting;

// One node of a benchmark cluster in its own process (the Q8 baselines run as real processes):
//   EdgeIoT.Bench.Node replica --index I <cluster options>   serves until stdin closes or SIGTERM
//   EdgeIoT.Bench.Node clients <cluster options>             runs the closed-loop clients, prints one JSON line
const string Usage = "EdgeIoT.Bench.Node replica --index I | clients  [--protocol pbft|paxos] [--execution null|kv] [--replicas N] [--clients C] [--request-bytes B] [--batch S] [--base-port P] [--seed X] [--seconds S] [--warmup W]";
try
{
    if (args.Length == 0 || args[0] is not ("replica" or "clients")) throw new ArgumentException($"usage: {Usage}");
    using var stop = new CancellationTokenSource();
    if (args[0] == "replica")
    {
        if (args.Length < 3 || args[1] != "--index" || !int.TryParse(args[2], out var index)) throw new ArgumentException($"replica needs --index I first\nusage: {Usage}");
        var spec = ClusterSpec.Parse(args[3..]);
        using var shutdown = HostRuntime.InstallShutdown(stop, parentWatch: true);
        await using var replica = await ClusterReplicas.StartAsync(spec, index, stop.Token);
        HostRuntime.AnnounceReady("bench-replica", ClusterSpec.NodeId(index));
        try { await Task.Delay(Timeout.Infinite, stop.Token); }
        catch (OperationCanceledException) { }
        return 0;
    }
    else
    {
        var spec = ClusterSpec.Parse(args[1..]);
        using var shutdown = HostRuntime.InstallShutdown(stop, parentWatch: false);
        await using var load = new ClientLoad(spec);
        await load.StartAsync(stop.Token);
        var result = await load.RunAsync(stop.Token);
        Console.Out.WriteLine(JsonSerializer.Serialize(new
        {
            completed = result.Completed,
            measured_s = result.MeasuredSeconds,
            throughput_tps = result.ThroughputTps,
            latency_ms = new { p50 = result.Latency.P50, p90 = result.Latency.P90, p99 = result.Latency.P99 },
            sent = result.Sent,
            process_cpu_s = result.ProcessCpuSeconds,
        }));
        return 0;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"bench-node: {e.Message}");
    return 2;
}
catch (Exception e) when (e is TimeoutException or OperationCanceledException)
{
    Console.Error.WriteLine($"bench-node: {e.Message}");
    return 1;
}
