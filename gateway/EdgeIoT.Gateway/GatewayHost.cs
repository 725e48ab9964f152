using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Core.Net;
using EdgeIoT.Gateway.Protocol;

namespace EdgeIoT.Gateway;

/// <summary>Wires a gateway's protocol cores to MQTT, its peers and the executors.</summary>
internal static class GatewayHost
{
    public static async Task<int> RunAsync(ProcessConfig config, NetworkRegistry registry, ZoneInfo zone, GatewayInfo gateway, SigningKey key, CancellationToken stop)
    {
        using var loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            b.SetMinimumLevel(LogLevels.Parse(config.LogLevel));
            b.AddFilter("System.Net.Http", LogLevel.Warning);
        });
        var logger = loggers.CreateLogger("gateway");
        var topics = new Topics(registry.Mqtt.TopicPrefix);

        var replica = new PbftReplica(new ReplicaOptions { Zone = zone, SelfIndex = gateway.Index, Protocol = registry.Protocol }, key);
        var invoker = new InvokerCore(InvokerOptions.For(registry, zone, gateway.Index));
        using var executors = new ExecutorInvoker(registry, zone, gateway.Index, key, loggers.CreateLogger("invoker"));
        await using var mqtt = new MqttClient(new MqttClientOptions
        {
            Host = registry.Mqtt.Host,
            Port = registry.Mqtt.Port,
            ClientId = $"{gateway.Id}-{Environment.ProcessId}",
            KeepAliveSeconds = registry.Mqtt.KeepAliveSeconds,
            MaxPayloadBytes = registry.Protocol.MaxTxBytes * 2 + 64 * 1024,
        }, loggers.CreateLogger("mqtt"));
        var placement = new DevicePlacement(registry);
        var ingressCore = new GatewayIngressCore(registry, zone, placement);
        var errors = new ErrorReporter(mqtt, topics, key, gateway.Id, registry, ingressCore.Refusals, TimeProvider.System, loggers.CreateLogger("ingress"));
        var ingress = new Ingress(zone, ingressCore, errors, topics, loggers.CreateLogger("ingress"));

        // Restore what PBFT needs to stay safe across a restart before anything else runs.
        using var store = new GatewayStore(Path.Combine(config.Resolve(config.DataDir), "replica.db"), registry.Protocol.GatewayFsync);
        var (persistedView, persistedEntries) = store.Load();
        replica.Restore(persistedView, persistedEntries);
        if (persistedView is not null)
            logger.LogInformation("restored view {View} (h = {Low}, {Entries} entries){Changing}", replica.View, replica.LowWatermark, persistedEntries.Count,
                replica.IsViewChanging ? $", resuming a view change to {replica.TargetView}" : "");
        var fault = new GatewayFault(GatewayFault.Parse(config.Byzantine), zone, gateway.Index, key);
        if (fault.Kind != GatewayFaultKind.None) logger.LogWarning("fault injection: this gateway behaves as \"{Behaviour}\" while primary", config.Byzantine);
        var node = new GatewayNode(replica, invoker, executors, errors, store, ingress.AdmitRequest, fault, logger);
        ingress.Attach(node);

        // A NEW-VIEW carries up to a window of batches; a frame must hold it.
        var maxFrameBytes = (long)(2 * registry.Protocol.WindowBatches + 1) * registry.Protocol.BatchSizeMax * (registry.Protocol.MaxTxBytes + 16) + (1 << 20);
        // A zone spread over regions (the flat-PBFT baseline) delays frames to peers in other regions.
        var peerDelaysMs = RegionDelays.ToGatewaysOf(registry, zone, gateway, zone);
        await using var links = new PeerLinks(zone, gateway.Index, key, new PeerLinksOptions
        {
            MaxFrameBytes = (int)Math.Min(maxFrameBytes, 64L << 20),
            SendDelayMsFor = to => peerDelaysMs[to],
            // A large zone (flat PBFT over 20 or 28 gateways) has every peer connect at once at start.
            MaxUnauthenticatedInbound = Math.Max(new PeerLinksOptions().MaxUnauthenticatedInbound, zone.Gateways.Count),
        }, ingress.OnPeerFrame, loggers.CreateLogger("peers"));
        node.Attach(links);
        await links.StartAsync(stop);

        // Several zones: the Ziziphus global coordinator beside the replica, linked to every other gateway.
        GlobalLinks? globalLinks = null;
        if (registry.Zones.Count > 1)
        {
            var coordinator = new Protocol.Global.GlobalCoordinator(
                new Protocol.Global.GlobalCoordinatorOptions { Registry = registry, Zone = zone.Id, SelfIndex = gateway.Index },
                key, seed: (ulong)Environment.ProcessId ^ (ulong)DateTime.UtcNow.Ticks);
            var globalRecords = store.LoadGlobal();
            coordinator.Restore(globalRecords);
            if (globalRecords.Count > 0)
                logger.LogInformation("restored the global coordinator: {Records} records, last executed slot {Slot}, checkpoints {Checkpoints}", globalRecords.Count, coordinator.LastExecuted,
                    string.Join(", ", coordinator.Checkpoints.Values.OrderBy(c => c.Zone, StringComparer.Ordinal).Select(c => $"{c.Zone}@{c.Seq}")));
            globalLinks = new GlobalLinks(registry, zone, gateway, key, ingress.OnGlobalMessage, loggers.CreateLogger("global"));
            node.AttachGlobal(coordinator, globalLinks, placement, Path.Combine(config.Resolve(config.DataDir), Core.Execution.GlobalJournalEntry.FileName),
                Path.Combine(config.Resolve(config.DataDir), Core.Execution.CheckpointJournalEntry.FileName));
            await globalLinks.StartAsync(stop);
            logger.LogInformation("global coordinator: {Mode}, {Zones} zones, global port {Port}", registry.Global.Leader, registry.Zones.Count, gateway.GlobalPort);
        }
        await using var disposeGlobal = globalLinks;

        mqtt.MessageReceived = ingress.OnMqttMessage;
        await mqtt.ConnectAsync(stop);
        // QoS 0 on the way to the gateway: its session is clean, so a QoS 1 delivery promises nothing the
        // TCP connection does not (unacknowledged messages die with the session), yet costs a PUBACK per
        // transaction per gateway that the broker must read and match. A transaction lost with a broken
        // connection reaches a backup in the PRE-PREPARE and the primary through the device's retry.
        await mqtt.SubscribeAsync(topics.ZoneNotices(zone.Id), 0, stop);
        await mqtt.SubscribeAsync(topics.ZoneTransactions(zone.Id), 0, stop);

        using var ticker = new ProtocolTicker(TimeProvider.System, registry.Protocol.TickMs, () => node.TryEnqueue(GatewayInput.ClockWake));
        node.TimerResolution = ticker.SetFine;
        var nodeTask = Task.Factory.StartNew(() => node.RunAsync(TimeProvider.System, registry.Protocol.TickMs, stop), TaskCreationOptions.LongRunning).Unwrap();
        var admissionTask = ingress.RunAdmissionAsync(Math.Max(1, Environment.ProcessorCount), stop);
        logger.LogInformation("gateway {Gateway} of zone {Zone} ({Role}) serving", gateway.Id, zone.Id, replica.IsPrimary ? "primary" : "backup");
        HostRuntime.AnnounceReady("gateway", gateway.Id);
        _ = executors.WarmUpAsync(stop);
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { }
        logger.LogInformation("stopping");
        await Task.WhenAll(nodeTask, admissionTask);
        return 0;
    }
}
