using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Config;

/// <summary>
/// The network's public registry (network.json): who is in the network, their public keys, where
/// they listen, fault bounds and protocol parameters. Provisioning writes it; every process reads it.
/// It holds no secret.
/// </summary>
public sealed class NetworkRegistry : IDeviceDirectory
{
    public string NetworkId { get; set; } = "local";
    public MqttSettings Mqtt { get; set; } = new();
    public List<ZoneInfo> Zones { get; set; } = [];
    public ExecutorPool Executors { get; set; } = new();
    public VerifierInfo Verifier { get; set; } = new();
    public List<DeviceInfo> Devices { get; set; } = [];
    public ApplicationSettings Applications { get; set; } = new();
    public ProtocolSettings Protocol { get; set; } = new();
    public GlobalSettings Global { get; set; } = new();
    /// <summary>
    /// Emulated one-way delays between regions in milliseconds, keyed "A-B" (either order); a gateway's
    /// region is its <see cref="GatewayInfo.Region"/>, by default its zone id (<see cref="RegionDelays"/>).
    /// </summary>
    public Dictionary<string, int> RegionDelaysMs { get; set; } = [];

    private Dictionary<string, DeviceInfo>? _devices;
    private Dictionary<string, ZoneInfo>? _zones;

    public ZoneInfo Zone(string zoneId) =>
        (_zones ??= Zones.ToDictionary(z => z.Id, StringComparer.Ordinal)).TryGetValue(zoneId, out var zone)
            ? zone
            : throw new KeyNotFoundException($"zone \"{zoneId}\" is not in the registry");

    public bool TryGetZone(string zoneId, out ZoneInfo zone)
    {
        _zones ??= Zones.ToDictionary(z => z.Id, StringComparer.Ordinal);
        return _zones.TryGetValue(zoneId, out zone!);
    }

    public bool TryGetDevice(string deviceId, out DeviceInfo device)
    {
        _devices ??= Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
        return _devices.TryGetValue(deviceId, out device!);
    }

    public bool TryGetDeviceKey(string deviceId, out Bytes32 publicKey)
    {
        if (TryGetDevice(deviceId, out var device))
        {
            publicKey = device.Key;
            return true;
        }
        publicKey = default;
        return false;
    }

    /// <summary>Finds a gateway by id across zones.</summary>
    public (ZoneInfo Zone, GatewayInfo Gateway) Gateway(string gatewayId)
    {
        foreach (var zone in Zones)
            foreach (var gateway in zone.Gateways)
                if (gateway.Id == gatewayId) return (zone, gateway);
        throw new KeyNotFoundException($"gateway \"{gatewayId}\" is not in the registry");
    }

    public ExecutorInfo Executor(string executorId) =>
        Executors.Members.FirstOrDefault(e => e.Id == executorId)
        ?? throw new KeyNotFoundException($"executor \"{executorId}\" is not in the registry");

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static NetworkRegistry Load(string path)
    {
        NetworkRegistry? registry;
        try
        {
            registry = JsonSerializer.Deserialize<NetworkRegistry>(File.ReadAllBytes(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ConfigurationException($"{path}: not a valid network registry: {e.Message}");
        }
        if (registry is null) throw new ConfigurationException($"{path}: empty registry");
        var problems = registry.Validate();
        if (problems.Count > 0)
            throw new ConfigurationException($"{path}: invalid network registry:\n  - " + string.Join("\n  - ", problems));
        return registry;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Every problem with this registry, each a sentence an operator can act on.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (!Identifiers.IsValid(NetworkId)) problems.Add($"networkId \"{NetworkId}\" is not a valid identifier");
        if (Zones.Count == 0) problems.Add("a network needs at least one zone");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var zone in Zones)
        {
            if (!Identifiers.IsValid(zone.Id)) problems.Add($"zone id \"{zone.Id}\" is not a valid identifier");
            if (!ids.Add(zone.Id)) problems.Add($"zone id \"{zone.Id}\" is used twice");
            if (zone.FaultyGateways < 0) problems.Add($"zone {zone.Id}: fR must be >= 0");
            var needed = 3 * zone.FaultyGateways + 1;
            if (zone.Gateways.Count < needed)
                problems.Add($"zone {zone.Id}: PBFT needs n_R >= 3 f_R + 1 = {needed} gateways to tolerate f_R = {zone.FaultyGateways}, but the zone has {zone.Gateways.Count}");
            for (var i = 0; i < zone.Gateways.Count; i++)
            {
                var gateway = zone.Gateways[i];
                if (gateway.Index != i) problems.Add($"zone {zone.Id}: gateway {gateway.Id} has index {gateway.Index}, expected {i} (indices follow list order)");
                if (!Identifiers.IsValid(gateway.Id)) problems.Add($"gateway id \"{gateway.Id}\" is not a valid identifier");
                if (!ids.Add(gateway.Id)) problems.Add($"id \"{gateway.Id}\" is used twice");
                CheckKey(problems, $"gateway {gateway.Id}", gateway.PublicKey);
                if (gateway.PeerPort is <= 0 or > 65535) problems.Add($"gateway {gateway.Id}: peerPort {gateway.PeerPort} is not a TCP port");
                if (Zones.Count > 1 && gateway.GlobalPort is <= 0 or > 65535)
                    problems.Add($"gateway {gateway.Id}: globalPort {gateway.GlobalPort} is not a TCP port; a network of several zones links gateways across zones on it");
            }
        }
        if (Executors.Faulty < 0) problems.Add("executors: fE must be >= 0");
        var executorsNeeded = Executors.RequiredCount(Protocol.ConflictsPossible);
        if (Executors.Members.Count < executorsNeeded)
            problems.Add(Protocol.ConflictsPossible
                ? $"executors: transactions with undeclared read/write sets may conflict, so n_E >= 3 f_E + 1 = {executorsNeeded} (serverlessbft §6, Theorem 6.2); the pool has {Executors.Members.Count}"
                : $"executors: n_E >= 2 f_E + 1 = {executorsNeeded} are needed for f_E = {Executors.Faulty}; the pool has {Executors.Members.Count}");
        for (var i = 0; i < Executors.Members.Count; i++)
        {
            var executor = Executors.Members[i];
            if (executor.Index != i) problems.Add($"executor {executor.Id} has index {executor.Index}, expected {i}");
            if (!Identifiers.IsValid(executor.Id)) problems.Add($"executor id \"{executor.Id}\" is not a valid identifier");
            if (!ids.Add(executor.Id)) problems.Add($"id \"{executor.Id}\" is used twice");
            CheckKey(problems, $"executor {executor.Id}", executor.PublicKey);
            if (!Uri.TryCreate(executor.Url, UriKind.Absolute, out _)) problems.Add($"executor {executor.Id}: url \"{executor.Url}\" is not an absolute URL");
        }
        CheckKey(problems, "verifier", Verifier.PublicKey);
        if (!Uri.TryCreate(Verifier.Url, UriKind.Absolute, out _)) problems.Add($"verifier: url \"{Verifier.Url}\" is not an absolute URL");
        var deviceIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var device in Devices)
        {
            if (!Identifiers.IsValid(device.Id)) problems.Add($"device id \"{device.Id}\" is not a valid identifier");
            if (!deviceIds.Add(device.Id)) problems.Add($"device id \"{device.Id}\" is used twice");
            if (!ids.Contains(device.Zone) || Zones.All(z => z.Id != device.Zone)) problems.Add($"device {device.Id}: zone \"{device.Zone}\" does not exist");
            CheckKey(problems, $"device {device.Id}", device.PublicKey);
        }
        problems.AddRange(Protocol.Validate());
        if (Zones.Count > 0) problems.AddRange(Global.Validate(Zones));
        problems.AddRange(RegionDelays.Validate(this));
        problems.AddRange(Applications.Validate());
        return problems;
    }

    private static void CheckKey(List<string> problems, string who, string key)
    {
        if (!KeyText.TryParsePublicKey(key, out _)) problems.Add($"{who}: publicKey is not a base64url Ed25519 public key");
    }
}

public sealed class ConfigurationException(string message) : Exception(message);

public sealed class MqttSettings
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 1883;
    public string TopicPrefix { get; set; } = "edgeiot/v1";
    public int KeepAliveSeconds { get; set; } = 30;
}

public sealed class ZoneInfo
{
    public string Id { get; set; } = "";
    [JsonPropertyName("fR")] public int FaultyGateways { get; set; } = 1;
    public List<GatewayInfo> Gateways { get; set; } = [];

    [JsonIgnore] public int QuorumSize => 2 * FaultyGateways + 1;
}

public sealed class GatewayInfo
{
    public string Id { get; set; } = "";
    public int Index { get; set; }
    public string PublicKey { get; set; } = "";
    public string PeerHost { get; set; } = "127.0.0.1";
    public int PeerPort { get; set; }
    /// <summary>Port for links with the gateways of other zones (Ziziphus global traffic); 0 in a one-zone network.</summary>
    public int GlobalPort { get; set; }
    /// <summary>Where the gateway sits for emulated wide-area delays (<see cref="RegionDelays"/>); null: its zone id.</summary>
    public string? Region { get; set; }

    private Bytes32? _key;
    [JsonIgnore] public Bytes32 Key => _key ??= KeyText.ParsePublicKey(PublicKey);
}

public enum SpawningMode
{
    /// <summary>The primary spawns executors as soon as a batch commits, in any order (serverlessbft §6.1).</summary>
    OutOfOrder,
    /// <summary>Executors for k+1 only after the verifier's response for k (§6.1.1).</summary>
    Sequential,
    /// <summary>Every gateway spawns e executors (§6.3, Eq. 1 or 2).</summary>
    Decentralized,
}

public sealed class ExecutorPool
{
    [JsonPropertyName("fE")] public int Faulty { get; set; } = 1;
    public List<ExecutorInfo> Members { get; set; } = [];

    [JsonIgnore] public int MatchQuorum => Faulty + 1;
    public int RequiredCount(bool conflictsPossible) => (conflictsPossible ? 3 : 2) * Faulty + 1;
}

public sealed class ExecutorInfo
{
    public string Id { get; set; } = "";
    public int Index { get; set; }
    public string PublicKey { get; set; } = "";
    /// <summary>The EXECUTE endpoint, e.g. http://127.0.0.1:7201/api/execute (an Azure Functions HTTP trigger).</summary>
    public string Url { get; set; } = "";

    private Bytes32? _key;
    [JsonIgnore] public Bytes32 Key => _key ??= KeyText.ParsePublicKey(PublicKey);
}

public sealed class VerifierInfo
{
    public string PublicKey { get; set; } = "";
    /// <summary>Base URL of the verifier's HTTP API, e.g. http://127.0.0.1:7300.</summary>
    public string Url { get; set; } = "";

    private Bytes32? _key;
    [JsonIgnore] public Bytes32 Key => _key ??= KeyText.ParsePublicKey(PublicKey);
}

public sealed class DeviceInfo
{
    public string Id { get; set; } = "";
    public string Zone { get; set; } = "";
    public string PublicKey { get; set; } = "";

    private Bytes32? _key;
    [JsonIgnore] public Bytes32 Key => _key ??= KeyText.ParsePublicKey(PublicKey);
}

public static class KeyText
{
    public static bool TryParsePublicKey(string? text, out Bytes32 key)
    {
        key = default;
        if (string.IsNullOrEmpty(text)) return false;
        try
        {
            var bytes = Base64Url.Decode(text);
            return Bytes32.TryCreate(bytes, out key);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static Bytes32 ParsePublicKey(string text) =>
        TryParsePublicKey(text, out var key) ? key : throw new ConfigurationException($"\"{text}\" is not a base64url Ed25519 public key");

    public static string Format(in Bytes32 key) => key.ToBase64Url();
}
