using System.Text;
using System.Text.Json;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Launch;

public sealed partial class LocalNetwork
{
    private static readonly TimeSpan BrokerPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan KilledExitTimeout = TimeSpan.FromSeconds(5);

    private void CheckCanStart(IReadOnlyList<Member> members)
    {
        var problems = new List<string>();
        foreach (var member in members)
        {
            if (Current(member.Id) is { HasExited: false }) problems.Add($"{ChildProcess.NameOf(member.Role, member.Id)} is already running");
            if (member.Stage == Stage.Broker)
            {
                if (!File.Exists(_options.MosquittoPath))
                    problems.Add($"{_options.MosquittoPath} does not exist; install the broker (apt-get install mosquitto) — ./edgeiot does it");
            }
            else
            {
                try { CommandFor(member); }
                catch (LaunchException e) { problems.Add(e.Message); }
            }
            if (PortOf(member) is { } port && !Core.Net.LocalPorts.IsFree(port))
                problems.Add($"port {port} of {ChildProcess.NameOf(member.Role, member.Id)} is in use: another network, or a process left from an earlier run? (`ss -ltnp 'sport = :{port}'` names it)");
        }
        // One line per missing build, not one per process that would run it.
        if (problems.Count > 0) throw new LaunchException("cannot start the network:\n  - " + string.Join("\n  - ", problems.Distinct()));
    }

    private int? PortOf(Member member) => member.Stage switch
    {
        Stage.Broker => Registry.Mqtt.Port,
        Stage.Verifier => new Uri(Registry.Verifier.Url).Port,
        Stage.Executors => new Uri(Registry.Executor(member.Id).Url).Port,
        Stage.Gateways => Registry.Gateway(member.Id).Gateway.PeerPort,
        _ => null,
    };

    private HostCommand CommandFor(Member member)
    {
        if (member.Stage == Stage.Broker) return new HostCommand(_options.MosquittoPath, ["-c", Layout.BrokerConfig]);
        IReadOnlyList<string> extra;
        lock (_lock) extra = _extraArguments.GetValueOrDefault(member.Id) ?? [];
        return _hosts.For(member.Role, member.Id, Layout.Config(member.Id), extra);
    }

    private async Task StartStageAsync(IReadOnlyList<Member> members, CancellationToken cancellationToken)
    {
        var started = members.Select(StartProcess).ToList();
        if (members.Any(m => m.Stage == Stage.Broker)) StartBrokerWatchdog(started.Single());
        var waitForBroker = members.Count == 1 && members[0].Stage == Stage.Broker;
        await WaitReadyAsync(started, waitForBroker ? BrokerAcceptsAsync : null, cancellationToken);
    }

    private ChildProcess StartProcess(Member member)
    {
        var process = new ChildProcess(member.Id, member.Role, CommandFor(member), Layout.Root, Layout.Log(member.Id),
            member.Stage == Stage.Broker ? null : $"{ReadyPrefix} {member.Role} {member.Id}", _options.LogTailLines);
        if (member.Stage == Stage.Devices) process.StandardOutputLine += OnDeviceSimLine;
        process.Exited += OnExited;
        // Registered before it starts so that even an instant exit is reported as this process's.
        lock (_lock) _processes[member.Id] = process;
        try
        {
            process.Start();
        }
        catch (LaunchException)
        {
            lock (_lock) _processes.Remove(member.Id);
            throw;
        }
        return process;
    }

    /// <summary>
    /// Mosquitto has no --parent-watch: a bash loop that blocks on its own stdin pipe from the launcher
    /// stands in, and SIGTERMs the broker when that pipe closes because the launcher died.
    /// </summary>
    private void StartBrokerWatchdog(ChildProcess broker)
    {
        lock (_lock)
        {
            _brokerWatchdog?.Signal(Signal.Kill);
            _brokerWatchdog = new ChildProcess(NetworkLayout.BrokerId + "-watchdog", "watchdog",
                new HostCommand("/bin/bash", ["-c", "while read -r _; do :; done; kill -TERM \"$1\" 2>/dev/null; exit 0", "watchdog", broker.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
                Layout.Root, Layout.Log(NetworkLayout.BrokerId + "-watchdog"), readyLine: null, tailLinesMax: 20);
            _brokerWatchdog.Start();
        }
    }

    private async Task BrokerAcceptsAsync(CancellationToken cancellationToken)
    {
        while (!await PortProbe.AcceptsAsync(Registry.Mqtt.Port, cancellationToken))
            await Task.Delay(BrokerPollInterval, cancellationToken);
    }

    /// <summary>
    /// Waits until every process of a stage is ready: printed its ready line, or — for the broker — accepts
    /// connections. Fails as soon as one exits, or when the stage's timeout passes, naming who and quoting their logs.
    /// </summary>
    private async Task WaitReadyAsync(IReadOnlyList<ChildProcess> processes, Func<CancellationToken, Task>? readiness, CancellationToken cancellationToken)
    {
        using var stage = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deadline = Task.Delay(_options.ReadyTimeout, stage.Token);
        var probe = readiness is null ? null : readiness(stage.Token);
        var pending = processes.ToList();
        try
        {
            while (pending.Count > 0)
            {
                var readyOrExit = pending.SelectMany(p => new Task[] { p.Exit, probe ?? p.Ready });
                var done = await Task.WhenAny(readyOrExit.Append(deadline));
                cancellationToken.ThrowIfCancellationRequested();
                // Ready first and then exited is not a start failure: the exit is reported like any other.
                if (pending.FirstOrDefault(p => p.HasExited && !p.Ready.IsCompleted) is { } exited)
                    throw new LaunchException($"{exited.Name} {ChildProcess.DescribeExit(exited.Exit.Result)} before it was ready.{TailText(exited)}");
                if (done == deadline)
                    throw new LaunchException(
                        $"timed out after {_options.ReadyTimeout.TotalSeconds:0.#} s waiting for {Describe(pending)} to {(probe is null ? $"print \"{ReadyPrefix} <role> <id>\"" : $"accept connections on port {Registry.Mqtt.Port}")}." +
                        string.Concat(pending.Select(TailText)));
                if (probe is { IsCompletedSuccessfully: true })
                    foreach (var process in pending) process.MarkReady();
                pending.RemoveAll(p => p.Ready.IsCompleted);
            }
        }
        finally
        {
            await stage.CancelAsync();
        }
    }

    private static string Describe(IReadOnlyList<ChildProcess> processes)
    {
        var role = processes[0].Role;
        return processes.Count == 1 ? processes[0].Name : $"{role}s {string.Join(", ", processes.Select(p => p.Id))}";
    }

    private string TailText(ChildProcess process)
    {
        var tail = process.Tail(_options.ErrorTailLines);
        var text = new StringBuilder($"\n--- {process.Id}: {process.LogPath}");
        if (tail.Count == 0) return text.Append(" (no output)").ToString();
        text.Append($", last {tail.Count} line(s):");
        foreach (var line in tail) text.Append("\n  ").Append(line);
        return text.ToString();
    }

    /// <summary>The message for an unexpected exit: who, how, and the end of its log.</summary>
    public string DescribeFailure(ProcessExit exit) => exit.Describe() + "." + TailText(Current(exit.Id)!);

    private async Task StopProcessesAsync(IReadOnlyList<ChildProcess> processes)
    {
        foreach (var process in processes) process.Signal(Signal.Term);
        var exits = Task.WhenAll(processes.Select(p => p.Exit));
        if (await Task.WhenAny(exits, Task.Delay(_options.StopGrace)) == exits) return;
        foreach (var process in processes.Where(p => !p.HasExited)) process.Signal(Signal.Kill);
        if (await Task.WhenAny(exits, Task.Delay(KilledExitTimeout)) != exits)
            throw new LaunchException($"{Describe(processes.Where(p => !p.HasExited).ToList())} still running {KilledExitTimeout.TotalSeconds:0} s after SIGKILL");
    }

    private void OnExited(ChildProcess process, int code)
    {
        lock (_lock)
            if (_processes.GetValueOrDefault(process.Id) != process) return;
        ProcessExited?.Invoke(new ProcessExit(process.Id, process.Role, code, process.ExitExpected, process.LogPath, process.Tail(_options.ErrorTailLines)));
    }

    private void OnDeviceSimLine(ChildProcess process, string line)
    {
        var text = line.AsSpan().Trim();
        if (text.Length == 0 || text[0] != '{') return;
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object) _deviceSimMessages.Writer.TryWrite(document.RootElement.Clone());
        }
        catch (JsonException)
        {
            // The simulator's log lines may look like JSON without being JSON; only its log keeps them.
        }
    }
}
