using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Devices;

/// <summary>
/// A device: its id, zone and Ed25519 key, and the strictly increasing timestamps it signs
/// (microseconds since the Unix epoch, or one more than the last, whichever is larger — monotonic
/// even if the clock steps back).
/// </summary>
public sealed class DeviceIdentity(string id, string zone, SigningKey key, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private ulong _lastTimestamp;

    public string Id { get; } = id;
    public string Zone { get; set; } = zone;
    public SigningKey Key { get; } = key;

    public ulong NextTimestamp()
    {
        var now = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        ulong next;
        ulong last;
        do
        {
            last = Interlocked.Read(ref _lastTimestamp);
            next = Math.Max(last + 1, now);
        }
        while (Interlocked.CompareExchange(ref _lastTimestamp, next, last) != last);
        return next;
    }

    /// <summary>Builds and signs a migration request (docs/zones.md): app "sys", op "migrate", sent to the initiator zone.</summary>
    public (byte[] Jws, ulong Timestamp) SignMigration(string toZone, string initiatorZone) =>
        Sign(MigrationApp, MigrationOp, new Dictionary<string, string> { ["to"] = toZone }, zone: initiatorZone);

    public const string MigrationApp = "sys", MigrationOp = "migrate";

    /// <summary>Builds and signs a transaction (docs/protocol.md "Device transaction").</summary>
    /// <param name="zone">The zone the transaction is addressed to; the device's own zone unless it is a
    /// migration request, which goes to the zone that initiates the migration.</param>
    public (byte[] Jws, ulong Timestamp) Sign(string app, string op, object? args, IReadOnlyCollection<string>? reads = null, IReadOnlyCollection<string>? writes = null, string? zone = null)
    {
        var timestamp = NextTimestamp();
        var payload = new Dictionary<string, object?>
        {
            ["dev"] = Id,
            ["zone"] = zone ?? Zone,
            ["ts"] = timestamp,
            ["app"] = app,
            ["op"] = op,
        };
        if (args is not null) payload["args"] = args;
        if (reads is not null || writes is not null)
        {
            var rw = new Dictionary<string, IReadOnlyCollection<string>>();
            if (reads is not null) rw["r"] = reads;
            if (writes is not null) rw["w"] = writes;
            payload["rw"] = rw;
        }
        return (JwsCompact.Sign(Key, Id, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload))), timestamp);
    }
}
