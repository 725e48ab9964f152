namespace EdgeIoT.Core.Mqtt;

/// <summary>EdgeIoT's MQTT topic layout (docs/protocol.md).</summary>
public sealed class Topics(string prefix)
{
    public string Prefix { get; } = prefix.TrimEnd('/');

    public string ZoneTransactions(string zone) => $"{Prefix}/zones/{zone}/tx";
    public string ZoneNotices(string zone) => $"{Prefix}/zones/{zone}/notices";
    public string DeviceResponse(string device) => $"{Prefix}/devices/{device}/response";
    public string DeviceError(string device) => $"{Prefix}/devices/{device}/error";
}
