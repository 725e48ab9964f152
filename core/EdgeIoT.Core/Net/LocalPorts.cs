using System.Net;
using System.Net.Sockets;

namespace EdgeIoT.Core.Net;

/// <summary>Loopback port checks shared by the launcher, the benchmarks and the tests.</summary>
public static class LocalPorts
{
    /// <summary>True when a listener could bind 127.0.0.1:port right now.</summary>
    public static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
