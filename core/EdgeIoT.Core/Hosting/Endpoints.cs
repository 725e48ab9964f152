using EdgeIoT.Core.Config;

namespace EdgeIoT.Core.Hosting;

public static class Endpoints
{
    /// <summary>Parses "host:port"; the host must be an IP address (EdgeIoT never resolves names for its listeners).</summary>
    public static (string Host, int Port) Parse(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port) || port is <= 0 or > 65535
            || !System.Net.IPAddress.TryParse(endpoint[..colon], out _))
            throw new ConfigurationException($"\"{endpoint}\" is not an IP:port endpoint");
        return (endpoint[..colon], port);
    }
}
