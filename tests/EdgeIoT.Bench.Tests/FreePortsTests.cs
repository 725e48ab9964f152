using System.Net;
using System.Net.Sockets;

namespace EdgeIoT.Bench.Tests;

public sealed class FreePortsTests
{
    [Fact]
    public void A_range_with_a_taken_port_is_skipped()
    {
        // The ranges next to the taken port must be free apart from it. An ephemeral port's neighbours are
        // not: other test projects run beside this one and their connections take ephemeral ports one after
        // another (CI once found every range busy). So take a port below the ephemeral range and below the
        // 17000-32000 the other projects' networks use, in a stretch that is free right now.
        var port = Enumerable.Range(0, 490).Select(i => 12_002 + 10 * i)
            .First(p => Enumerable.Range(p - 2, 15).All(Core.Net.LocalPorts.IsFree));
        var taken = new TcpListener(IPAddress.Loopback, port);
        taken.Start();
        try
        {
            var ports = new FreePorts(port - 2, stride: 5, slots: 3);
            var first = ports.Next();
            Assert.NotEqual(port - 2, first);
            Assert.False(first <= port && port < first + 5);
        }
        finally
        {
            taken.Stop();
        }
    }
}
