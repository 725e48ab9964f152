using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Provisioning;

/// <summary>
/// Turns a <see cref="LocalNetworkSpec"/> into a folder a launcher can run: the public registry,
/// private key files, one config per process and the broker's configuration.
/// </summary>
public static class LocalNetworkProvisioner
{
    public static NetworkLayout Provision(LocalNetworkSpec spec, string dir)
    {
        var specProblems = spec.Validate();
        if (specProblems.Count > 0) throw Refused(specProblems);

        var layout = new NetworkLayout(dir);
        var keys = KeySource.For(spec.Seed);
        var identities = new List<Identity>();
        try
        {
            var registry = BuildRegistry(spec, keys, identities);
            var problems = registry.Validate();
            if (problems.Count > 0) throw Refused(problems);

            NetworkFolder.PrepareEmpty(layout.Root, spec.Force);
            Write(layout, registry, identities);
            return layout;
        }
        finally
        {
            foreach (var identity in identities) identity.Key.Dispose();
        }
    }

    private static ProvisioningException Refused(List<string> problems) =>
        new("cannot provision this network:\n  - " + string.Join("\n  - ", problems));

    private enum Kind { Gateway, Executor, Verifier, Device }

    private sealed record Identity(Kind Kind, string Id, SigningKey Key);

    private static NetworkRegistry BuildRegistry(LocalNetworkSpec spec, KeySource keys, List<Identity> identities)
    {
        var ports = spec.Ports;
        string NewKey(Kind kind, string id)
        {
            var key = keys.KeyFor(id);
            identities.Add(new Identity(kind, id, key));
            return KeyText.Format(key.PublicKey);
        }

        var registry = new NetworkRegistry
        {
            NetworkId = spec.NetworkId,
            Mqtt = new MqttSettings { Host = "127.0.0.1", Port = ports.Broker, TopicPrefix = spec.TopicPrefix },
            Protocol = spec.Protocol,
            Global = spec.Global,
            Applications = spec.Applications,
            RegionDelaysMs = spec.RegionDelaysMs,
        };
        for (var z = 0; z < spec.Zones; z++)
        {
            var zone = new ZoneInfo { Id = ZoneId(z), FaultyGateways = spec.FaultyGatewaysPerZone };
            for (var g = 0; g < spec.GatewaysPerZone; g++)
            {
                var id = $"{zone.Id}-g{g}";
                zone.Gateways.Add(new GatewayInfo { Id = id, Index = g, PublicKey = NewKey(Kind.Gateway, id), PeerHost = "127.0.0.1", PeerPort = ports.Gateway(z, g), GlobalPort = spec.Zones > 1 ? ports.GlobalGateway(z, g) : 0, Region = spec.RegionOf(z, g) });
            }
            registry.Zones.Add(zone);
        }
        registry.Executors.Faulty = spec.FaultyExecutors;
        for (var e = 0; e < spec.Executors; e++)
        {
            var id = $"e{e}";
            registry.Executors.Members.Add(new ExecutorInfo { Id = id, Index = e, PublicKey = NewKey(Kind.Executor, id), Url = $"http://127.0.0.1:{ports.Executor(e)}/api/execute" });
        }
        registry.Verifier = new VerifierInfo { PublicKey = NewKey(Kind.Verifier, NetworkLayout.VerifierId), Url = $"http://127.0.0.1:{ports.Verifier}" };

        var digits = Math.Max(4, spec.Devices.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        for (var d = 0; d < spec.Devices; d++)
        {
            var id = "d" + (d + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
            registry.Devices.Add(new DeviceInfo { Id = id, Zone = ZoneId(d % spec.Zones), PublicKey = NewKey(Kind.Device, id) });
        }
        return registry;
    }

    private static string ZoneId(int zoneIndex) => $"z{zoneIndex + 1}";

    private static void Write(NetworkLayout layout, NetworkRegistry registry, List<Identity> identities)
    {
        registry.Save(layout.Registry);
        Directory.CreateDirectory(layout.ConfigDir);
        Directory.CreateDirectory(layout.DeviceKeysDir);
        Directory.CreateDirectory(layout.LogsDir);
        var registryPath = layout.RelativeToConfig(layout.Registry);

        foreach (var identity in identities)
        {
            var keyPath = identity.Kind switch
            {
                Kind.Gateway => layout.GatewayKey(identity.Id),
                Kind.Executor => layout.ExecutorKey(identity.Id),
                Kind.Verifier => layout.VerifierKey,
                _ => layout.DeviceKey(identity.Id),
            };
            KeyFile.Write(keyPath, identity.Key);
            if (identity.Kind == Kind.Device) continue;

            var config = new ProcessConfig
            {
                Id = identity.Id,
                Registry = registryPath,
                KeyFile = layout.RelativeToConfig(keyPath),
            };
            switch (identity.Kind)
            {
                case Kind.Gateway:
                    var (_, gateway) = registry.Gateway(identity.Id);
                    config.Role = "gateway";
                    config.Listen = $"127.0.0.1:{gateway.PeerPort}";
                    config.DataDir = StateDir(layout, identity.Id);
                    break;
                case Kind.Executor:
                    config.Role = "executor";
                    config.Listen = $"127.0.0.1:{new Uri(registry.Executor(identity.Id).Url).Port}";
                    break;
                case Kind.Verifier:
                    config.Role = "verifier";
                    config.Listen = $"127.0.0.1:{new Uri(registry.Verifier.Url).Port}";
                    config.DataDir = StateDir(layout, NetworkLayout.VerifierId);
                    break;
            }
            config.Save(layout.Config(identity.Id));
        }

        new ProcessConfig
        {
            Role = "devicesim",
            Id = NetworkLayout.DeviceSimId,
            Registry = registryPath,
            // The simulator plays every device: its key "file" is the folder of device keys, {id}.key each.
            KeyFile = layout.RelativeToConfig(layout.DeviceKeysDir),
            // Where it records the responses its devices verified, for `edgeiot audit`.
            DataDir = StateDir(layout, NetworkLayout.DeviceSimId),
        }.Save(layout.Config(NetworkLayout.DeviceSimId));

        Directory.CreateDirectory(layout.BrokerDir);
        File.WriteAllText(layout.BrokerConfig, BrokerConfig.MosquittoConf(registry));
        File.WriteAllText(layout.BrokerAclExample, BrokerConfig.AclExample(registry));
    }

    private static string StateDir(NetworkLayout layout, string processId)
    {
        var path = layout.State(processId);
        Directory.CreateDirectory(path);
        return layout.RelativeToConfig(path);
    }
}
