using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Gateway;

const string Usage = "EdgeIoT.Gateway --config gateway.json [--parent-watch]";
try
{
    var arguments = HostRuntime.Parse(args, Usage);
    var config = ProcessConfig.Load(arguments.ConfigPath);
    var registry = NetworkRegistry.Load(config.Resolve(config.Registry));
    var (zone, gateway) = registry.Gateway(config.Id);
    using var key = KeyFile.Read(config.Resolve(config.KeyFile));
    if (key.PublicKey != gateway.Key)
        throw new ConfigurationException($"{config.KeyFile} is not gateway {gateway.Id}'s registered key");
    using var stop = new CancellationTokenSource();
    using var shutdown = HostRuntime.InstallShutdown(stop, arguments.ParentWatch);
    return await GatewayHost.RunAsync(config, registry, zone, gateway, key, stop.Token);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"gateway: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    // Stopped (SIGTERM, Ctrl-C or the parent gone) before start-up finished: a clean stop, not a crash.
    Console.Error.WriteLine("gateway: stopped during start-up");
    return 0;
}
catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
{
    // Another process holds one of this gateway's ports (peerPort or globalPort in network.json).
    Console.Error.WriteLine($"gateway: cannot listen: {e.Message}; free the port or change it in network.json");
    return 3;
}
