using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Protocol.Tests.Provisioning;

public sealed class BrokerConfigTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] Directives(string conf) =>
        conf.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [Fact]
    public void Broker_listens_on_the_base_port_on_loopback_without_persistence()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { BasePort = 22000, Devices = 2 }, _temp.Sub("net"));

        var directives = Directives(File.ReadAllText(layout.BrokerConfig));

        Assert.Contains("listener 22000 127.0.0.1", directives);
        Assert.Contains("allow_anonymous true", directives);
        Assert.Contains("persistence false", directives);
        Assert.Contains("max_queued_messages 100000", directives);
        Assert.Contains("max_inflight_messages 0", directives);
        Assert.Contains("log_dest stderr", directives);
        var limit = int.Parse(directives.Single(d => d.StartsWith("max_packet_size ")).Split(' ')[1]);
        var protocol = new ProtocolSettings();
        Assert.True(limit > protocol.MaxTxBytes * protocol.BatchSizeMax);
    }

    [Fact]
    public void Broker_config_warns_that_production_needs_tls_and_acls()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Devices = 2 }, _temp.Sub("net"));

        var conf = File.ReadAllText(layout.BrokerConfig);

        Assert.Contains("Production deployments must configure TLS", conf);
        Assert.Contains("acl.example", conf);
    }

    [Fact]
    public void Acl_example_confines_devices_to_their_zone_and_their_own_topics()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Zones = 1, Devices = 3 }, _temp.Sub("net"));

        var rules = Directives(File.ReadAllText(layout.BrokerAclExample));

        Assert.Contains("pattern read edgeiot/v1/devices/%u/response", rules);
        Assert.Contains("pattern read edgeiot/v1/devices/%u/error", rules);
        var d2 = Array.IndexOf(rules, "user d0002");
        Assert.Equal("topic write edgeiot/v1/zones/z1/tx", rules[d2 + 1]);
        Assert.DoesNotContain(rules, r => r.StartsWith("pattern write"));
        Assert.DoesNotContain(rules, r => r.StartsWith("topic") && r.Contains('#'));
    }

    [Fact]
    public void With_several_zones_roaming_devices_may_publish_to_every_zone_but_read_only_their_own_topics()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Zones = 2, Devices = 3 }, _temp.Sub("net2"));
        var rules = Directives(File.ReadAllText(layout.BrokerAclExample));
        var d2 = Array.IndexOf(rules, "user d0002");
        Assert.Equal("topic write edgeiot/v1/zones/+/tx", rules[d2 + 1]);
        Assert.DoesNotContain(rules, r => r.StartsWith("topic read") && r.Contains("devices/+"));
    }
}
