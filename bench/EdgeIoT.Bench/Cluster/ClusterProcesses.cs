using System.Diagnostics;
using System.Text.Json;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Cluster;

/// <summary>How to start the benchmark node program: an executable and the arguments before the node's own.</summary>
public sealed record NodeProgram(string FileName, IReadOnlyList<string> Prefix);

/// <summary>
/// A benchmark cluster as real processes on loopback: one <c>EdgeIoT.Bench.Node replica</c> per
/// replica, then one <c>EdgeIoT.Bench.Node clients</c> whose JSON line is the result. Replicas exit
/// when their stdin closes (the bench closes it, or dies); any still running after a grace period
/// are killed by their own process handle.
/// </summary>
public static class ClusterProcesses
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static async Task<ClusterLoadResult> RunAsync(ClusterSpec spec, NodeProgram program, string logDir, CancellationToken ct)
    {
        spec.EnsureValid();
        Directory.CreateDirectory(logDir);
        var replicas = new List<NodeProcess>();
        try
        {
            for (var i = 0; i < spec.Replicas; i++)
                replicas.Add(Start(program, ["replica", "--index", i.ToString(System.Globalization.CultureInfo.InvariantCulture), .. spec.ToArguments()], Path.Combine(logDir, ClusterSpec.NodeId(i) + ".log")));
            await Task.WhenAll(replicas.Select((p, i) => WaitReadyAsync(p, ClusterSpec.NodeId(i), ct)));
            using var clients = Start(program, ["clients", .. spec.ToArguments()], Path.Combine(logDir, "clients.log"));
            var deadline = TimeSpan.FromSeconds(spec.Seconds) + ReadyTimeout;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(deadline);
            try { await clients.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                clients.Process.Kill(entireProcessTree: false);
                throw new TimeoutException($"the cluster's clients did not finish within {deadline.TotalSeconds:0} s");
            }
            var json = clients.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (clients.Process.ExitCode != 0 || json is null)
                throw new InvalidOperationException($"the cluster's clients exited with {clients.Process.ExitCode} and {(json is null ? "no result" : "a result")}; see {clients.LogPath}");
            return Parse(json);
        }
        finally
        {
            await StopAsync(replicas);
        }
    }

    internal static ClusterLoadResult Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var latency = root.GetProperty("latency_ms");
        return new ClusterLoadResult(root.GetProperty("completed").GetInt64(), root.GetProperty("measured_s").GetDouble(), root.GetProperty("throughput_tps").GetDouble(),
            new LatencyPercentiles(latency.GetProperty("p50").GetDouble(), latency.GetProperty("p90").GetDouble(), latency.GetProperty("p99").GetDouble(), root.GetProperty("completed").GetInt64()),
            root.GetProperty("sent").GetInt64(), root.TryGetProperty("process_cpu_s", out var cpu) ? cpu.GetDouble() : 0);
    }

    private static NodeProcess Start(NodeProgram program, IReadOnlyList<string> args, string logPath)
    {
        var info = new ProcessStartInfo(program.FileName) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in program.Prefix.Concat(args)) info.ArgumentList.Add(a);
        return new NodeProcess(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program.FileName}"), logPath);
    }

    private static async Task WaitReadyAsync(NodeProcess node, string id, CancellationToken ct)
    {
        var line = $"EDGEIOT-READY bench-replica {id}";
        var clock = Stopwatch.StartNew();
        while (!node.Output.Contains(line, StringComparison.Ordinal))
        {
            if (node.Process.HasExited) throw new InvalidOperationException($"replica {id} exited with {node.Process.ExitCode} before it was ready; see {node.LogPath}");
            if (clock.Elapsed > ReadyTimeout) throw new TimeoutException($"replica {id} was not ready within {ReadyTimeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }

    private static async Task StopAsync(List<NodeProcess> nodes)
    {
        foreach (var node in nodes) node.CloseInput();
        var exits = Task.WhenAll(nodes.Select(n => n.WaitForExitAsync(CancellationToken.None)));
        if (await Task.WhenAny(exits, Task.Delay(StopGrace)) != exits)
            foreach (var node in nodes.Where(n => !n.Process.HasExited)) node.Process.Kill(entireProcessTree: false);
        foreach (var node in nodes) node.Dispose();
    }
}

/// <summary>A started node: its process, its output so far (kept for the ready line and the result), and its log file.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly StreamWriter _log;
    private readonly System.Text.StringBuilder _output = new();

    public NodeProcess(Process process, string logPath)
    {
        Process = process;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Append(e.Data, toOutput: true);
        process.ErrorDataReceived += (_, e) => Append(e.Data, toOutput: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public string LogPath { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Append(string? line, bool toOutput)
    {
        if (line is null) return;
        lock (_output)
        {
            _log.WriteLine(line);
            if (toOutput) _output.AppendLine(line);
        }
    }

    public Task WaitForExitAsync(CancellationToken ct) => Process.WaitForExitAsync(ct);

    public void CloseInput()
    {
        try { if (!Process.HasExited) Process.StandardInput.Close(); }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
    }

    public void Dispose()
    {
        Process.Dispose();
        lock (_output) _log.Dispose();
    }
}
