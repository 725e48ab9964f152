using System.Diagnostics;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.DeviceSim;
using EdgeIoT.Devices;

const string Usage = "EdgeIoT.DeviceSim --config devicesim.json [--workload kv|ledger|telemetry|mixed] [--devices N] [--seconds S] [--transactions-per-device N] [--connections C] [--warmup-seconds W] [--seed N] [--conflict PCT] [--declare-rw] [--presign N] [--work-rounds R] [--rate TPS] [--parent-watch]";
try
{
    var arguments = HostRuntime.Parse(args, Usage);
    var options = SimulatorOptions.Parse(arguments.Rest, Usage);
    var config = ProcessConfig.Load(arguments.ConfigPath);
    var registry = NetworkRegistry.Load(config.Resolve(config.Registry));
    using var stop = new CancellationTokenSource();
    using var shutdown = HostRuntime.InstallShutdown(stop, arguments.ParentWatch);
    return await Simulator.RunAsync(config, registry, options, stop.Token);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"devicesim: {e.Message}");
    return 2;
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"devicesim: {e.Message}");
    return 2;
}
