using System.Net;
using System.Net.Sockets;

namespace EdgeIoT.Bench.Tests;

public sealed class FreePortsTests
{
    [Fact]
    public void A_range_with_a_taken_port_is_skipped()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
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
