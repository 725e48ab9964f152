using System.Globalization;
using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Commands;

/// <summary><c>edgeiot provision</c>: writes a local network into a folder.</summary>
public static class ProvisionCommand
{
    public const string DefaultDir = "data/local";

    private static readonly HashSet<string> ValueOptions = ["dir", "zones", "gateways", "executors", "devices", "base-port", "seed"];
    private static readonly HashSet<string> Flags = ["force"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var options = CommandLine.Parse("provision", args, ValueOptions, Flags);
        var dir = options.String("dir", DefaultDir);
        var spec = Spec(options) with { Force = options.Has("force") };
        var layout = LocalNetworkProvisioner.Provision(spec, dir);
        output.Write(Describe(layout, NetworkRegistry.Load(layout.Registry)));
        return CliApp.ExitSuccess;
    }

    /// <summary>The network options <c>provision</c> and <c>up</c> share.</summary>
    public static LocalNetworkSpec Spec(CommandLine options)
    {
        var defaults = new LocalNetworkSpec();
        return defaults with
        {
            Zones = options.Int("zones", defaults.Zones, 1, PortPlan.ZonesMax),
            GatewaysPerZone = options.Int("gateways", defaults.GatewaysPerZone, 1, PortPlan.GatewaysPerZoneMax),
            Executors = options.Int("executors", defaults.Executors, 1, PortPlan.ExecutorsMax),
            Devices = options.Int("devices", defaults.Devices, 1, 1_000_000),
            BasePort = options.Int("base-port", defaults.BasePort, 1024, 65535),
            Seed = options.ULong("seed"),
        };
    }

    public static string Describe(NetworkLayout layout, NetworkRegistry registry)
    {
        var zone = registry.Zones[0];
        var executorPorts = registry.Executors.Members.Select(e => new Uri(e.Url).Port).ToList();
        var gatewayPorts = registry.Zones.SelectMany(z => z.Gateways).Select(g => g.PeerPort).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"""
            provisioned network "{registry.NetworkId}" in {layout.Root}
              zones      {registry.Zones.Count} × {zone.Gateways.Count} gateways (f_R = {zone.FaultyGateways}), peer ports {gatewayPorts.Min()}–{gatewayPorts.Max()}
              executors  {registry.Executors.Members.Count} (f_E = {registry.Executors.Faulty}), ports {executorPorts.Min()}–{executorPorts.Max()}
              verifier   {registry.Verifier.Url}
              broker     mqtt://{registry.Mqtt.Host}:{registry.Mqtt.Port}
              devices    {registry.Devices.Count} ({registry.Devices[0].Id}…{registry.Devices[^1].Id}), round-robin over zones
              files      network.json, config/<id>.json, keys/ (private, mode 0600), broker/mosquitto.conf, broker/acl.example

            """);
    }
}
