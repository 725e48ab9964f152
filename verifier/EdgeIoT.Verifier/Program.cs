using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Verifier;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;

const string Usage = "EdgeIoT.Verifier --config verifier.json [--parent-watch]";
try
{
    var arguments = HostRuntime.Parse(args, Usage);
    var config = ProcessConfig.Load(arguments.ConfigPath);
    var registry = NetworkRegistry.Load(config.Resolve(config.Registry));
    using var key = KeyFile.Read(config.Resolve(config.KeyFile));
    if (key.PublicKey != registry.Verifier.Key)
        throw new ConfigurationException($"{config.KeyFile} is not the verifier key registered in {config.Registry}");
    using var stop = new CancellationTokenSource();
    using var shutdown = HostRuntime.InstallShutdown(stop, arguments.ParentWatch);
    return await VerifierHost.RunAsync(config, registry, key, stop.Token);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"verifier: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    // Stopped (SIGTERM, Ctrl-C or the parent gone) before start-up finished: a clean stop, not a crash.
    Console.Error.WriteLine("verifier: stopped during start-up");
    return 0;
}
