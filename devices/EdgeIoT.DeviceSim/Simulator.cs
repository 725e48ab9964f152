using System.Diagnostics;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Devices;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.DeviceSim;

/// <summary>
/// Runs many closed-loop devices (each waits for its verified response before sending the next
/// transaction, as in both papers' evaluations) over a few shared MQTT connections.
/// </summary>
internal static class Simulator
{
    public static async Task<int> RunAsync(ProcessConfig config, NetworkRegistry registry, SimulatorOptions options, CancellationToken stop)
    {
        using var loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            b.SetMinimumLevel(LogLevel.Warning);
        });
        var count = options.Devices ?? registry.Devices.Count;
        if (count > registry.Devices.Count)
            throw new ConfigurationException($"{count} devices requested but the registry has {registry.Devices.Count}; provision more");
        var keysDir = config.Resolve(config.KeyFile);
        var workload = Workloads.Create(options.Workload, registry.Applications, new WorkloadOptions
        {
            ConflictPercent = options.ConflictPercent,
            DeclareReadWriteSets = options.DeclareReadWriteSets,
            Devices = count,
            WorkRounds = options.WorkRounds,
        });
        // What every device was told, for `edgeiot audit`; only when the configuration names a data folder.
        using var responses = string.IsNullOrEmpty(config.DataDir) ? null : new ResponseLog(Path.Combine(config.Resolve(config.DataDir), ResponseRecord.FileName));
        var connectionCount = Math.Clamp(options.Connections ?? (count + 15) / 16, 1, count);
        var connections = new List<DeviceConnection>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var stats = new SimulatorStats();
        try
        {
            for (var i = 0; i < connectionCount; i++)
            {
                var connection = new DeviceConnection(registry, $"devicesim-{Environment.ProcessId}-{i}", loggers.CreateLogger("mqtt"));
                connections.Add(connection);
                await connection.ConnectAsync(stop);
            }
            var devices = new List<DeviceClient>(count);
            for (var i = 0; i < count; i++)
            {
                var info = registry.Devices[i];
                var key = KeyFile.Read(Path.Combine(keysDir, $"{info.Id}.key"));
                devices.Add(await DeviceClient.AttachAsync(connections[i % connectionCount], new DeviceIdentity(info.Id, info.Zone, key), http, new DeviceClientOptions
                {
                    ResponseTimeoutMs = registry.Protocol.DeviceTimeoutMs,
                    ResponseTimeoutMaxMs = registry.Protocol.DeviceTimeoutMaxMs,
                    RefusalQuorum = registry.Zone(info.Zone).FaultyGateways + 1,
                }, stop));
            }
            // Pre-signing happens before the ready line and before the clock: the launcher starts timing
            // the devices when they are ready, so signing is outside every measurement.
            var presigned = options.PresignPerDevice > 0
                ? devices.Select((device, index) => new Queue<PresignedTransaction>(Presigner.Presign(device.Identity, workload, DeviceRandom(options, index), options.PresignPerDevice))).ToArray()
                : null;
            HostRuntime.AnnounceReady("devicesim", config.Id);

            var clock = Stopwatch.StartNew();
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (options.Seconds is { } seconds) run.CancelAfter(TimeSpan.FromSeconds(seconds));
            double warmupEnd = 0;
            if (options.WarmupSeconds <= 0) stats.StartMeasuring();
            var reporter = Task.Run(async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
                try
                {
                    while (await tick.WaitForNextTickAsync(run.Token))
                    {
                        if (!stats.Measuring && clock.Elapsed.TotalSeconds >= options.WarmupSeconds)
                        {
                            stats.StartMeasuring();
                            warmupEnd = clock.Elapsed.TotalSeconds;
                        }
                        responses?.Flush();
                        Console.Out.WriteLine(stats.StatsLine(clock.Elapsed.TotalSeconds));
                        Console.Out.Flush();
                    }
                }
                catch (OperationCanceledException) { }
            });
            var exhausted = 0;
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(devices.Select(async (device, index) =>
            {
                var source = presigned is null ? null : presigned[index];
                var schedule = options.RateTps is { } rate ? SendSchedule.ForDevice(index, count, rate, start, Stopwatch.Frequency) : null;
                await RunDeviceAsync(device, workload, DeviceRandom(options, index), source, schedule, options, stats, responses, run.Token);
                if (source is { Count: 0 } && !run.IsCancellationRequested) Interlocked.Increment(ref exhausted);
            }));
            responses?.Flush();
            var duration = clock.Elapsed.TotalSeconds;
            run.Cancel();
            await reporter;
            var measured = stats.Measuring ? duration - warmupEnd : 0;
            Console.Out.WriteLine(stats.SummaryLine(duration, measured, count, options.Workload, presigned is not null, exhausted));
            Console.Out.Flush();
            return Interlocked.Read(ref stats.TimedOut) > 0 ? 1 : 0;
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    private static Random DeviceRandom(SimulatorOptions options, int index) => new(options.Seed * 7919 + index);

    /// <summary>One closed-loop device: sends, waits for its verified response, sends the next. With
    /// <paramref name="presigned"/> it sends those transactions in order and stops when they run out; with
    /// <paramref name="schedule"/> it also waits for its turn (<c>--rate</c>), outside the latency it measures.</summary>
    private static async Task RunDeviceAsync(DeviceClient device, IWorkload workload, Random random, Queue<PresignedTransaction>? presigned, SendSchedule? schedule,
        SimulatorOptions options, SimulatorStats stats, ResponseLog? responses, CancellationToken ct)
    {
        for (var sent = 0; !ct.IsCancellationRequested && (options.TransactionsPerDevice is not { } limit || sent < limit); sent++)
        {
            if (presigned is { Count: 0 }) return;
            if (schedule?.TakeNextSlot(Stopwatch.GetTimestamp()) is > 0 and var waitTicks)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)waitTicks / Stopwatch.Frequency), ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
            Interlocked.Increment(ref stats.InFlight);
            try
            {
                DeviceResult result;
                if (presigned is not null)
                {
                    var next = presigned.Dequeue();
                    result = await device.SubmitSignedAsync(next.Jws, next.Timestamp, ct);
                }
                else if (options.GlobalPercent > 0 && device.Connection.Registry.Zones.Count > 1 && random.Next(100) < options.GlobalPercent)
                {
                    // A global transaction: roam to another zone, chosen at random.
                    var zones = device.Connection.Registry.Zones.Where(z => z.Id != device.Identity.Zone).ToList();
                    result = await device.MigrateAsync(zones[random.Next(zones.Count)].Id, ct);
                    stats.RecordMigration(result);
                    responses?.Record(device.Identity.Id, result);
                    continue;
                }
                else
                {
                    var item = workload.Next(random, device.Identity.Id);
                    result = await device.SubmitAsync(item.App, item.Op, item.Args, ct, item.Reads, item.Writes);
                }
                stats.Record(result);
                responses?.Record(device.Identity.Id, result);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                Interlocked.Decrement(ref stats.InFlight);
            }
        }
    }
}
