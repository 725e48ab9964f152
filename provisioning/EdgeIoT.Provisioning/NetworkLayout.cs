namespace EdgeIoT.Provisioning;

/// <summary>
/// Where everything of a provisioned network lives inside its folder. Provisioning writes this
/// layout and the launcher reads it, so both name paths in one place.
/// </summary>
public sealed class NetworkLayout(string root)
{
    public const string DeviceSimId = "devicesim";
    public const string VerifierId = "verifier";
    public const string BrokerId = "mosquitto";

    public string Root { get; } = Path.GetFullPath(root);

    public string Registry => Path.Combine(Root, "network.json");
    public string ConfigDir => Path.Combine(Root, "config");
    public string KeysDir => Path.Combine(Root, "keys");
    public string StateDir => Path.Combine(Root, "state");
    public string BrokerDir => Path.Combine(Root, "broker");
    public string LogsDir => Path.Combine(Root, "logs");

    public string Config(string processId) => Path.Combine(ConfigDir, processId + ".json");
    public string GatewayKey(string gatewayId) => Path.Combine(KeysDir, "gateways", gatewayId + ".key");
    public string ExecutorKey(string executorId) => Path.Combine(KeysDir, "executors", executorId + ".key");
    public string VerifierKey => Path.Combine(KeysDir, "verifier.key");
    public string DeviceKeysDir => Path.Combine(KeysDir, "devices");
    public string DeviceKey(string deviceId) => Path.Combine(DeviceKeysDir, deviceId + ".key");
    public string State(string processId) => Path.Combine(StateDir, processId);
    public string BrokerConfig => Path.Combine(BrokerDir, "mosquitto.conf");
    public string BrokerAclExample => Path.Combine(BrokerDir, "acl.example");
    public string Log(string processId) => Path.Combine(LogsDir, processId + ".log");

    /// <summary>A path as a process config stores it: relative to the config folder.</summary>
    public string RelativeToConfig(string path) => Path.GetRelativePath(ConfigDir, path);
}
