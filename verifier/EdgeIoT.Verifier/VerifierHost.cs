using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Core.Web;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;

namespace EdgeIoT.Verifier;

/// <summary>Wires the verifier core to SQLite, Kestrel and MQTT.</summary>
public static class VerifierHost
{
    public static async Task<int> RunAsync(ProcessConfig config, NetworkRegistry registry, SigningKey key, CancellationToken stop)
    {
        var (host, port) = Endpoints.Parse(config.Listen);
        var builder = WebHosts.CreateBuilder(config, host, port, kestrel => kestrel.Limits.MaxConcurrentConnections = 1024);
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("verifier");

        var dataDir = config.Resolve(config.DataDir);
        using var database = VerifierDatabase.Open(Path.Combine(dataDir, "verifier.db"), registry);
        var cache = new CommittedStateCache(database);
        var core = new VerifierCore(registry, cache);
        foreach (var zone in registry.Zones)
            logger.LogInformation("zone {Zone}: resuming at k_max {Seq}", zone.Id, core.NextSeq(zone.Id));

        await using var mqtt = new MqttClient(new MqttClientOptions
        {
            Host = registry.Mqtt.Host,
            Port = registry.Mqtt.Port,
            ClientId = $"verifier-{registry.NetworkId}-{Environment.ProcessId}",
            KeepAliveSeconds = registry.Mqtt.KeepAliveSeconds,
        }, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("mqtt"));
        var topics = new Topics(registry.Mqtt.TopicPrefix);
        var responder = new Responder(key, topics, new MqttPublisher(mqtt), TimeProvider.System, logger);
        foreach (var zone in registry.Zones)
            if (database.ReadLatestDecided(zone.Id) is { } latest) responder.Restore(latest);
        var loop = new VerifierLoop(core, database, cache, responder, logger);
        var flood = new FloodGuard(TimeProvider.System);
        new VerifierEndpoints(registry, core, loop, cache, responder, key, flood, logger).Map(app);

        await mqtt.ConnectAsync(stop);
        var loopTask = Task.Factory.StartNew(() => loop.RunAsync(stop), TaskCreationOptions.LongRunning).Unwrap();
        var responderTask = Task.Run(() => responder.RunAsync(stop));
        var ticks = new TickSource(TimeProvider.System, registry.Protocol.TickMs);
        using var ticker = new Timer(_ =>
        {
            if (ticks.TakeDueTicks() is > 0 and var due) loop.Tick(due);
        }, null, VerifierLoop.TickPeriodMs, VerifierLoop.TickPeriodMs);
        using var forgetter = new Timer(_ => flood.Forget(core.NextSeq), null, 1000, 1000);
        await app.StartAsync(stop);
        HostRuntime.AnnounceReady("verifier", config.Id);
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }
        logger.LogInformation("stopping");
        await app.StopAsync(CancellationToken.None);
        await Task.WhenAll(loopTask, responderTask);
        return 0;
    }
}

/// <summary>Adapts the MQTT client to the publisher the responder uses.</summary>
internal sealed class MqttPublisher(MqttClient client) : IMessagePublisher
{
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos) => client.TryPublish(topic, payload, qos);
}
