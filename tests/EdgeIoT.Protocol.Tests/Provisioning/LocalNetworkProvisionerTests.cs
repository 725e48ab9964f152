using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Protocol.Tests.Provisioning;

public sealed class LocalNetworkProvisionerTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly LocalNetworkSpec TwoZones = new() { Zones = 2, Devices = 7, BasePort = 21000 };

    [Fact]
    public void Generated_registry_loads_and_validates()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));

        var registry = NetworkRegistry.Load(layout.Registry);

        Assert.Empty(registry.Validate());
        Assert.Equal(["z1", "z2"], registry.Zones.Select(z => z.Id));
        Assert.All(registry.Zones, z => Assert.Equal(["-g0", "-g1", "-g2", "-g3"], z.Gateways.Select(g => g.Id[z.Id.Length..])));
        Assert.All(registry.Zones, z => Assert.Equal(1, z.FaultyGateways));
        Assert.Equal(["e0", "e1", "e2"], registry.Executors.Members.Select(e => e.Id));
        Assert.Equal(1, registry.Executors.Faulty);
        Assert.Equal("http://127.0.0.1:21010/api/execute", registry.Executors.Members[0].Url);
        Assert.Equal("http://127.0.0.1:21001", registry.Verifier.Url);
        Assert.Equal(("127.0.0.1", 21000), (registry.Mqtt.Host, registry.Mqtt.Port));
        Assert.Equal(21167, registry.Gateway("z2-g3").Gateway.PeerPort);   // P + 100 + 64 z + g
        Assert.Equal(21199, registry.Gateway("z2-g3").Gateway.GlobalPort); // 32 above its peer port
    }

    [Fact]
    public void Devices_are_numbered_and_spread_round_robin_over_zones()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));

        var registry = NetworkRegistry.Load(layout.Registry);

        Assert.Equal(["d0001", "d0002", "d0003", "d0004", "d0005", "d0006", "d0007"], registry.Devices.Select(d => d.Id));
        Assert.Equal(["z1", "z2", "z1", "z2", "z1", "z2", "z1"], registry.Devices.Select(d => d.Zone));
    }

    [Fact]
    public void Every_config_references_files_that_exist()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));
        var registry = NetworkRegistry.Load(layout.Registry);
        var expectedIds = registry.Zones.SelectMany(z => z.Gateways.Select(g => g.Id))
            .Concat(registry.Executors.Members.Select(e => e.Id))
            .Append(NetworkLayout.VerifierId).Append(NetworkLayout.DeviceSimId)
            .Order(StringComparer.Ordinal);

        var configs = Directory.GetFiles(layout.ConfigDir, "*.json").Select(ProcessConfig.Load).ToList();

        Assert.Equal(expectedIds, configs.Select(c => c.Id).Order(StringComparer.Ordinal));
        foreach (var config in configs)
        {
            Assert.True(File.Exists(config.Resolve(config.Registry)), $"{config.Id}: registry {config.Registry}");
            Assert.False(Path.IsPathRooted(config.KeyFile), $"{config.Id}: paths are relative so the folder can move");
            var key = config.Resolve(config.KeyFile);
            Assert.True(config.Role == "devicesim" ? Directory.Exists(key) : File.Exists(key), $"{config.Id}: key {config.KeyFile}");
            if (config.DataDir != "") Assert.True(Directory.Exists(config.Resolve(config.DataDir)), $"{config.Id}: dataDir {config.DataDir}");
        }
        Assert.True(File.Exists(layout.BrokerConfig));
        Assert.True(File.Exists(layout.BrokerAclExample));
    }

    [Fact]
    public void Configs_carry_role_listen_address_and_state_folder()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));

        var gateway = ProcessConfig.Load(layout.Config("z2-g1"));
        var executor = ProcessConfig.Load(layout.Config("e2"));
        var verifier = ProcessConfig.Load(layout.Config("verifier"));
        var devices = ProcessConfig.Load(layout.Config("devicesim"));

        Assert.Equal(("gateway", "127.0.0.1:21165"), (gateway.Role, gateway.Listen));
        Assert.Equal(layout.State("z2-g1"), gateway.Resolve(gateway.DataDir));
        Assert.Equal(("executor", "127.0.0.1:21012"), (executor.Role, executor.Listen));
        Assert.Equal(("verifier", "127.0.0.1:21001"), (verifier.Role, verifier.Listen));
        Assert.Equal(Path.Combine(layout.StateDir, "verifier"), verifier.Resolve(verifier.DataDir));
        Assert.Equal(("devicesim", layout.DeviceKeysDir), (devices.Role, devices.Resolve(devices.KeyFile)));
    }

    [Fact]
    public void Key_files_are_private_and_match_the_registry()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));
        var registry = NetworkRegistry.Load(layout.Registry);
        var expected = registry.Zones.SelectMany(z => z.Gateways).Select(g => (layout.GatewayKey(g.Id), g.Key))
            .Concat(registry.Executors.Members.Select(e => (layout.ExecutorKey(e.Id), e.Key)))
            .Concat(registry.Devices.Select(d => (layout.DeviceKey(d.Id), d.Key)))
            .Append((layout.VerifierKey, registry.Verifier.Key))
            .ToList();

        Assert.Equal(expected.Count, Directory.GetFiles(layout.KeysDir, "*.key", SearchOption.AllDirectories).Length);
        foreach (var (path, publicKey) in expected)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var key = KeyFile.Read(path);
            Assert.Equal(publicKey, key.PublicKey);
        }
    }

    [Fact]
    public void Registry_holds_no_private_key()
    {
        var layout = LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("net"));
        var registryText = File.ReadAllText(layout.Registry);

        foreach (var path in Directory.GetFiles(layout.KeysDir, "*.key", SearchOption.AllDirectories))
            Assert.DoesNotContain(File.ReadAllText(path).Trim(), registryText);
    }

    [Fact]
    public void No_two_processes_share_a_port()
    {
        var spec = new LocalNetworkSpec { Zones = 3, GatewaysPerZone = PortPlan.GatewaysPerZoneMax, Executors = 90, Devices = 3, BasePort = 30000 };
        var layout = LocalNetworkProvisioner.Provision(spec, _temp.Sub("net"));
        var registry = NetworkRegistry.Load(layout.Registry);

        var ports = registry.Zones.SelectMany(z => z.Gateways).SelectMany(g => new[] { g.PeerPort, g.GlobalPort })
            .Concat(registry.Executors.Members.Select(e => new Uri(e.Url).Port))
            .Append(new Uri(registry.Verifier.Url).Port)
            .Append(registry.Mqtt.Port)
            .ToList();

        Assert.Equal(3 * 32 * 2 + 90 + 2, ports.Count);
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, spec.BasePort, spec.Ports.HighestPort(spec.Zones)));
    }

    [Fact]
    public void Three_gateways_cannot_tolerate_one_fault()
    {
        var spec = new LocalNetworkSpec { GatewaysPerZone = 3, FaultyGateways = 1 };

        var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(spec, _temp.Sub("net")));

        Assert.Contains("3 gateways per zone cannot tolerate f_R = 1: PBFT needs n_R >= 3 f_R + 1 = 4", error.Message);
        Assert.False(Directory.Exists(_temp.Sub("net")), "a refused spec writes nothing");
    }

    [Fact]
    public void Default_fault_bound_is_the_most_the_gateways_tolerate()
    {
        Assert.Equal(0, new LocalNetworkSpec { GatewaysPerZone = 3 }.FaultyGatewaysPerZone);
        Assert.Equal(1, new LocalNetworkSpec { GatewaysPerZone = 4 }.FaultyGatewaysPerZone);
        Assert.Equal(2, new LocalNetworkSpec { GatewaysPerZone = 7 }.FaultyGatewaysPerZone);
    }

    [Fact]
    public void Executor_pool_too_small_for_conflicts_is_refused_with_the_papers_bound()
    {
        var spec = new LocalNetworkSpec { Protocol = new ProtocolSettings { ConflictsPossible = true } };

        var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(spec, _temp.Sub("net")));

        Assert.Contains("n_E >= 3 f_E + 1 = 4", error.Message);
    }

    [Fact]
    public void Ports_beyond_65535_are_refused()
    {
        var error = Assert.Throws<ProvisioningException>(() =>
            LocalNetworkProvisioner.Provision(new LocalNetworkSpec { BasePort = 65500 }, _temp.Sub("net")));

        Assert.Contains("highest port would be", error.Message);
    }

    [Fact]
    public void Reprovisioning_needs_force_and_then_wipes_the_folder()
    {
        var dir = _temp.Sub("net");
        LocalNetworkProvisioner.Provision(TwoZones, dir);
        File.WriteAllText(Path.Combine(dir, "logs", "old.log"), "from an earlier run");

        var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(TwoZones, dir));
        Assert.Contains("--force", error.Message);

        LocalNetworkProvisioner.Provision(TwoZones with { Zones = 1, Force = true }, dir);
        Assert.False(File.Exists(Path.Combine(dir, "logs", "old.log")));
        Assert.Single(NetworkRegistry.Load(Path.Combine(dir, "network.json")).Zones);
    }

    [Fact]
    public void Force_never_wipes_a_folder_that_holds_no_network()
    {
        var dir = _temp.Sub("documents");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "thesis.tex"), "precious");

        var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(TwoZones with { Force = true }, dir));

        Assert.Contains("refusing to wipe", error.Message);
        Assert.True(File.Exists(Path.Combine(dir, "thesis.tex")));
    }

    [Fact]
    public void A_seed_makes_keys_reproducible()
    {
        var spec = TwoZones with { Seed = 42 };
        var first = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(spec, _temp.Sub("a")).Registry);
        var second = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(spec, _temp.Sub("b")).Registry);
        var other = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(spec with { Seed = 43 }, _temp.Sub("c")).Registry);

        Assert.Equal(first.Devices.Select(d => d.PublicKey), second.Devices.Select(d => d.PublicKey));
        Assert.Equal(first.Verifier.PublicKey, second.Verifier.PublicKey);
        Assert.NotEqual(first.Verifier.PublicKey, other.Verifier.PublicKey);
        Assert.Equal(first.Devices.Count, first.Devices.Select(d => d.PublicKey).Distinct().Count());
    }

    [Fact]
    public void Seeded_key_is_ed25519_of_sha256_of_seed_and_id()
    {
        var input = new byte[] { 0, 0, 0, 0, 0, 0, 0, 42 }.Concat("d0001"u8.ToArray()).ToArray();
        using var expected = SigningKey.FromSeed(System.Security.Cryptography.SHA256.HashData(input));

        using var key = KeySource.FromSeed(42).KeyFor("d0001");

        Assert.Equal(expected.PublicKey, key.PublicKey);
    }

    [Fact]
    public void Unseeded_networks_get_different_keys()
    {
        var first = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("a")).Registry);
        var second = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(TwoZones, _temp.Sub("b")).Registry);

        Assert.NotEqual(first.Verifier.PublicKey, second.Verifier.PublicKey);
    }
}
