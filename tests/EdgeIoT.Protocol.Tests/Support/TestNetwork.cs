using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Protocol.Tests.Support;

/// <summary>An in-memory network: one zone of 3f+1 gateways, executors, a verifier and devices, with real keys.</summary>
internal sealed class TestNetwork : IDisposable
{
    public NetworkRegistry Registry { get; }
    public SigningKey[] GatewayKeys { get; }
    public SigningKey[] ExecutorKeys { get; }
    public SigningKey VerifierKey { get; }
    public Dictionary<string, SigningKey> DeviceKeys { get; } = new();
    private readonly Dictionary<string, ulong> _timestamps = new();

    /// <summary>Gateway keys of every zone ("z1", "z2", …); <see cref="GatewayKeys"/> are z1's.</summary>
    public Dictionary<string, SigningKey[]> ZoneKeys { get; } = new();

    public TestNetwork(int f = 1, int executors = 3, int devices = 4, Action<ProtocolSettings>? protocol = null, int kvKeys = 100, int zones = 1)
    {
        GatewayKeys = Enumerable.Range(0, 3 * f + 1).Select(_ => SigningKey.Generate()).ToArray();
        ZoneKeys["z1"] = GatewayKeys;
        for (var z = 2; z <= zones; z++) ZoneKeys[$"z{z}"] = Enumerable.Range(0, 3 * f + 1).Select(_ => SigningKey.Generate()).ToArray();
        ExecutorKeys = Enumerable.Range(0, executors).Select(_ => SigningKey.Generate()).ToArray();
        VerifierKey = SigningKey.Generate();
        Registry = new NetworkRegistry
        {
            Zones = ZoneKeys.Select((zone, z) => new ZoneInfo
            {
                Id = zone.Key,
                FaultyGateways = f,
                Gateways = zone.Value.Select((k, i) => new GatewayInfo { Id = $"{zone.Key}-g{i}", Index = i, PublicKey = KeyText.Format(k.PublicKey), PeerPort = 9000 + 10 * z + i, GlobalPort = 9500 + 10 * z + i }).ToList(),
            }).ToList(),
            Executors = new ExecutorPool
            {
                Faulty = (executors - 1) / 2,
                Members = ExecutorKeys.Select((k, i) => new ExecutorInfo { Id = $"e{i}", Index = i, PublicKey = KeyText.Format(k.PublicKey), Url = $"http://127.0.0.1:{9100 + i}/api/execute" }).ToList(),
            },
            Verifier = new VerifierInfo { PublicKey = KeyText.Format(VerifierKey.PublicKey), Url = "http://127.0.0.1:9200" },
        };
        Registry.Applications.Kv.Keys = kvKeys;
        Registry.Applications.Ledger.Accounts = 10;
        protocol?.Invoke(Registry.Protocol);
        for (var i = 0; i < devices; i++) AddDevice($"d{i}");
        var problems = Registry.Validate();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
    }

    public ZoneInfo Zone => Registry.Zones[0];

    public void AddDevice(string id)
    {
        var key = SigningKey.Generate();
        DeviceKeys[id] = key;
        Registry.Devices.Add(new DeviceInfo { Id = id, Zone = "z1", PublicKey = KeyText.Format(key.PublicKey) });
    }

    /// <summary>A signed transaction with the device's next timestamp (or the given one).</summary>
    public byte[] Tx(string device, string app, string op, object args, ulong? timestamp = null, string zone = "z1")
    {
        var ts = timestamp ?? (_timestamps[device] = (_timestamps.TryGetValue(device, out var last) ? last : 0) + 1);
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["dev"] = device, ["zone"] = zone, ["ts"] = ts, ["app"] = app, ["op"] = op, ["args"] = args,
        });
        return JwsCompact.Sign(DeviceKeys[device], device, Encoding.UTF8.GetBytes(payload));
    }

    public void Dispose()
    {
        foreach (var key in ZoneKeys.Values.SelectMany(k => k).Concat(ExecutorKeys).Append(VerifierKey).Concat(DeviceKeys.Values)) key.Dispose();
    }
}
