using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// Malformed and forged transactions: random bytes, truncated or oversized JWS, bad signatures, a key
/// id or payload naming another device, a wrong zone, unknown applications and operations, invalid
/// arguments, timestamp 0 — to the zone and to the verifier's direct endpoint. Gateways must refuse
/// what they can and the verifier must reject the rest; none of it may change state.
/// </summary>
public sealed class GarbageTransactions : DeviceAttack
{
    public override void Act(ByzantineDevice device)
    {
        var registry = device.World.Registry;
        var ts = device.Identity.NextTimestamp();
        var victim = registry.Devices[Random.Next(registry.Devices.Count)].Id;
        var kind = Random.Next(12);
        byte[] jws = kind switch
        {
            0 => RandomBytes(1 + Random.Next(300)),
            1 => FlipSignature(device.OwnBlindWrite(ts, Random)),
            2 => Truncate(device.OwnBlindWrite(ts, Random)),
            3 => device.Sign(device.Payload("kv", "update", new { key = device.OwnKeys.OwnKvKey(Random, device.Id.Index), value = new string('x', registry.Protocol.MaxTxBytes) }, ts)),
            4 => device.Sign(device.Payload("kv", "update", new { key = "kv/0", value = "forged" }, ts, device: victim), keyId: victim),
            5 => device.Sign(device.Payload("kv", "update", new { key = "kv/0", value = "forged" }, ts, device: victim)),
            6 => device.Sign(device.Payload("kv", "update", new { key = "kv/0", value = "elsewhere" }, ts, zone: Random.Next(2) == 0 ? "nowhere" : registry.Zones[^1].Id + "x")),
            7 => device.Sign(device.Payload("nosuchapp", "run", null, ts)),
            8 => device.Sign(device.Payload("kv", "explode", new { key = device.OwnKeys.OwnKvKey(Random, device.Id.Index) }, ts)),
            9 => device.Sign(device.Payload("ledger", "transfer", new { from = "acct/0", to = "acct/0", amount = -5 }, ts)),
            10 => device.Sign(device.Payload("kv", "update", new { key = "kv/0", value = "zero" }, 0)),
            _ => RandomBytes(1 + Random.Next(64)),
        };
        if (kind == 11 || Random.Next(8) == 0) device.SendToVerifier(jws);
        else device.Publish(jws);
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.NextBytes(bytes);
        return bytes;
    }

    private byte[] FlipSignature(byte[] jws)
    {
        var copy = (byte[])jws.Clone();
        var position = copy.Length - 1 - Random.Next(20);
        copy[position] = (byte)(copy[position] == (byte)'A' ? 'B' : 'A');
        return copy;
    }

    private byte[] Truncate(byte[] jws) => jws.AsSpan(0, Random.Next(1, jws.Length)).ToArray();
}

/// <summary>
/// Replays: transactions other devices published (captured from the broker) and this device's own
/// earlier ones, to the zone and to the verifier, long after they were decided or while they are in
/// flight. Each may be applied at most once.
/// </summary>
public sealed class ReplayAttack : DeviceAttack
{
    private readonly List<byte[]> _own = [];

    public override void Act(ByzantineDevice device)
    {
        switch (Random.Next(4))
        {
            case 0:
            {
                var jws = device.OwnBlindWrite(device.Identity.NextTimestamp(), Random);
                if (_own.Count >= 32) _own.RemoveAt(0);
                _own.Add(jws);
                device.Publish(jws);
                break;
            }
            case 1 when _own.Count > 0:
                device.Publish(_own[Random.Next(_own.Count)]);
                break;
            case 2 when device.Captured.Count > 0:
                device.Publish(device.Captured[Random.Next(device.Captured.Count)], gateway => Random.Next(3) > 0);
                break;
            default:
                if (device.Captured.Count > 0) device.SendToVerifier(device.Captured[Random.Next(device.Captured.Count)]);
                break;
        }
    }
}

/// <summary>
/// Equivocating timestamps: two different transactions signed with the same timestamp, each published
/// to a different part of the zone (or both everywhere), and now and then a fresh transaction with an
/// old timestamp. At most one transaction per (device, timestamp) may ever be decided.
/// </summary>
public sealed class EquivocatingTimestamps : DeviceAttack
{
    private ulong _lastTimestamp;

    public override void Act(ByzantineDevice device)
    {
        if (_lastTimestamp > 1 && Random.Next(5) == 0)
        {
            device.Publish(device.OwnBlindWrite(_lastTimestamp - 1 - (ulong)Random.Next((int)Math.Min(_lastTimestamp - 1, 3)), Random));
            return;
        }
        var ts = device.Identity.NextTimestamp();
        _lastTimestamp = ts;
        var first = device.OwnBlindWrite(ts, Random);
        var second = device.OwnBlindWrite(ts, Random);
        if (Random.Next(3) == 0)
        {
            device.Publish(first);
            device.Publish(second);
            return;
        }
        var split = Random.Next(1, device.World.ZoneGatewayCount(device.ZoneIndex));
        device.Publish(first, gateway => gateway < split);
        device.Publish(second, gateway => gateway >= split);
    }
}

/// <summary>
/// A device that breaks the "no conflicts" promise on purpose: every few milliseconds a transaction
/// on the same key, alternately a blind write and a read-modify-write, without waiting for answers.
/// Each read-modify-write lands in a batch executed while an earlier write to its key is undecided,
/// so correct executors read different versions and their VERIFY differ. Safety must hold; the split
/// k is aborted once every executor answered or τ_m expires with 2 f_E + 1 VERIFY (serverlessbft
/// §6.4); re-spawns cannot heal it, because the verifier keeps each executor's first vote per k.
/// </summary>
public sealed class ConflictingTransactions : DeviceAttack
{
    private bool _read;

    public override int NextIntervalMs(Random random) => random.Next(3, 15);

    public override void Act(ByzantineDevice device)
    {
        _read = !_read;
        var args = new { key = $"kv/{device.Id.Index * device.OwnKeys.KvKeysPerDevice}", value = "ab" };
        device.Publish(device.Sign(device.Payload("kv", _read ? "rmw" : "update", args, device.Identity.NextTimestamp())));
    }
}
