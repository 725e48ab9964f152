using System.Text.Json;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Devices;

public enum DeviceActionKind : byte
{
    /// <summary>Publish the transaction to the zone's transaction topic (every gateway of the zone receives it).</summary>
    PublishToZone,
    /// <summary>Send the transaction to the verifier directly (serverlessbft §5.1.2); it resends a decided RESPONSE.</summary>
    SendToVerifier,
}

/// <summary>Something the host must do for the device core: it carries the exact signed bytes.</summary>
public readonly record struct DeviceAction(DeviceActionKind Kind, string Zone, ulong Timestamp, byte[] Jws);

/// <summary>Everything a device core produced since the last <see cref="DeviceCore.TakeReady"/>.</summary>
public sealed class DeviceReady
{
    public List<DeviceAction> Actions { get; } = [];
    public List<DeviceResult> Completed { get; } = [];
    /// <summary>
    /// Every RESPONSE that verified under the verifier's key and names this device, whether or not it
    /// still answered a pending transaction: late and repeated answers are evidence too.
    /// </summary>
    public List<VerifierResponse> VerifiedResponses { get; } = [];
    public bool IsEmpty => Actions.Count == 0 && Completed.Count == 0 && VerifiedResponses.Count == 0;
}

/// <summary>
/// The device protocol as a pure state machine (no I/O, no clock; time is <see cref="Tick"/>): submit a
/// signed transaction to the zone, accept the verifier-signed RESPONSE that matches it (serverlessbft
/// Fig. 3 lines 1-3), and on timeout back off exponentially, publish again and ask the verifier
/// directly (§5.1.2, Fig. 4 lines 1-3). Gateway refusals count only when f_R+1 gateways agree, because
/// gateways are untrusted. Mirrors <see cref="DeviceClient"/>, with one deliberate difference: a
/// "stale-timestamp" refusal never ends a submission. Gateways refuse a timestamp at or below the last
/// one they saw decided, so a retransmission of a transaction that was decided (and whose RESPONSE was
/// lost) is refused by every correct gateway; only the verifier can say how it was decided.
/// </summary>
public sealed class DeviceCore
{
    /// <summary>Transactions in flight at once; a device SDK that exceeds it has a bug.</summary>
    public const int MaxPending = 1024;
    private const int MaxResponseBytes = 64 * 1024;
    private static readonly string StaleTimestampCode = RejectReason.StaleTimestamp.Code();

    private readonly NetworkRegistry _registry;
    private readonly DeviceClientOptions _options;
    private readonly int _tickMs;
    private readonly SortedDictionary<ulong, Pending> _pending = new();
    private DeviceReady _ready = new();
    private long _tick;

    public DeviceCore(DeviceIdentity identity, NetworkRegistry registry, DeviceClientOptions? options = null, int tickMs = 1)
    {
        if (tickMs < 1) throw new ArgumentOutOfRangeException(nameof(tickMs), "a tick lasts at least 1 ms");
        Identity = identity;
        _registry = registry;
        _options = options ?? new DeviceClientOptions();
        _tickMs = tickMs;
    }

    public DeviceIdentity Identity { get; }
    public int PendingCount => _pending.Count;
    public long NowTicks => _tick;
    public long InvalidResponses { get; private set; }
    public long IgnoredRefusals { get; private set; }

    /// <summary>Signs a new transaction with the next timestamp and submits it; returns the timestamp.</summary>
    public ulong Submit(string app, string op, object? args, IReadOnlyCollection<string>? reads = null, IReadOnlyCollection<string>? writes = null)
    {
        var (jws, timestamp) = Identity.Sign(app, op, args, reads, writes);
        SubmitSigned(jws, timestamp);
        return timestamp;
    }

    /// <summary>Submits an already signed transaction: publishes it and starts its response timer.</summary>
    public void SubmitSigned(byte[] jws, ulong timestamp)
    {
        if (_pending.ContainsKey(timestamp)) throw new InvalidOperationException($"timestamp {timestamp} is already in flight");
        if (_pending.Count >= MaxPending) throw new InvalidOperationException($"a device keeps at most {MaxPending} transactions in flight");
        var timeoutMs = _options.ResponseTimeoutMs;
        _pending[timestamp] = new Pending(Sha256Digest.Of(jws), jws, _tick, _tick + Ticks(timeoutMs), timeoutMs);
        _ready.Actions.Add(new DeviceAction(DeviceActionKind.PublishToZone, Identity.Zone, timestamp, jws));
    }

    /// <summary>
    /// Waits for the verifier's answer to a migration request sent elsewhere (to the initiator zone):
    /// on timeout it asks the verifier only, which resends the answer once the destination adopted the
    /// device. The device's zone follows on the answer (<see cref="DeviceIdentity.Zone"/>).
    /// </summary>
    public void TrackMigration(byte[] jws, ulong timestamp, string toZone)
    {
        if (_pending.ContainsKey(timestamp)) throw new InvalidOperationException($"timestamp {timestamp} is already in flight");
        _pending[timestamp] = new Pending(Sha256Digest.Of(jws), jws, _tick, _tick + Ticks(_options.ResponseTimeoutMs), _options.ResponseTimeoutMs) { MigratesTo = toZone };
    }

    public void Tick()
    {
        _tick++;
        if (_pending.Count == 0) return;
        var deadlineTicks = Ticks(_options.SubmitDeadlineMs);
        List<ulong>? expired = null;
        foreach (var (timestamp, pending) in _pending)
        {
            if (_tick - pending.StartTick >= deadlineTicks)
            {
                (expired ??= []).Add(timestamp);
                continue;
            }
            if (_tick < pending.NextTimeoutTick) continue;
            // §5.1.2: ask the verifier (which resends a decided RESPONSE) and publish again in case the
            // transaction never reached the gateways.
            pending.Retries++;
            if (pending.MigratesTo is null) _ready.Actions.Add(new DeviceAction(DeviceActionKind.PublishToZone, Identity.Zone, timestamp, pending.Jws));
            _ready.Actions.Add(new DeviceAction(DeviceActionKind.SendToVerifier, Identity.Zone, timestamp, pending.Jws));
            pending.TimeoutMs = Math.Min(pending.TimeoutMs * 2, _options.ResponseTimeoutMaxMs);
            pending.NextTimeoutTick = _tick + Ticks(pending.TimeoutMs);
        }
        if (expired is null) return;
        foreach (var timestamp in expired)
        {
            var pending = _pending[timestamp];
            _pending.Remove(timestamp);
            _ready.Completed.Add(new DeviceResult(DeviceOutcome.TimedOut, timestamp, null, "no verified response", 0, 0, LatencyMs(pending), pending.Retries));
        }
    }

    /// <summary>A RESPONSE arrived (from the device's response topic or the verifier's direct answer).</summary>
    public void OnResponse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxResponseBytes
            || !VerifierResponse.TryVerify(payload, _registry.Verifier.Key, out var response, out _)
            || response.Device != Identity.Id)
        {
            InvalidResponses++;
            return;
        }
        _ready.VerifiedResponses.Add(response);
        if (!_pending.TryGetValue(response.Timestamp, out var pending) || pending.Digest != response.TxDigest) return;
        _pending.Remove(response.Timestamp);
        if (pending.MigratesTo is { } to && response.Status == VerifierResponse.Committed) Identity.Zone = to;
        var outcome = response.Status switch
        {
            VerifierResponse.Committed => DeviceOutcome.Committed,
            VerifierResponse.Aborted => DeviceOutcome.Aborted,
            _ => DeviceOutcome.Rejected,
        };
        _ready.Completed.Add(new DeviceResult(outcome, response.Timestamp, response.ResultJson, response.Reason, response.Seq, response.Position, LatencyMs(pending), pending.Retries));
    }

    /// <summary>A gateway refused a transaction. Believe it only when f_R+1 distinct gateways give the same reason.</summary>
    public void OnGatewayError(ReadOnlySpan<byte> payload)
    {
        if (!JwsCompact.TryParse(payload, 16 * 1024, out var jws, out _)) return;
        var gateway = FindGatewayOfOwnZone(jws.KeyId);
        if (gateway is null || !jws.VerifySignature(payload, gateway.Key)) return;
        try
        {
            using var document = JsonDocument.Parse(jws.Payload);
            var root = document.RootElement;
            if (!root.TryGetProperty("ts", out var ts) || !root.TryGetProperty("tx", out var tx)) return;
            if (!_pending.TryGetValue(ts.GetUInt64(), out var pending)) return;
            if (new Bytes32(Base64Url.Decode(tx.GetString() ?? "")) != pending.Digest) return;
            var reason = root.GetProperty("reason").GetString() ?? "";
            if (reason == StaleTimestampCode)
            {
                IgnoredRefusals++;
                return;
            }
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (pending.AddRefusal(jws.KeyId, reason) < _options.RefusalQuorum) return;
            _pending.Remove(ts.GetUInt64());
            _ready.Completed.Add(new DeviceResult(DeviceOutcome.RefusedByGateways, ts.GetUInt64(), null, $"{reason}: {detail}", 0, 0, LatencyMs(pending), pending.Retries));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            // A malformed refusal is ignored like any other bad input.
        }
    }

    public DeviceReady TakeReady()
    {
        var ready = _ready;
        _ready = new DeviceReady();
        return ready;
    }

    private Core.Config.GatewayInfo? FindGatewayOfOwnZone(string id)
    {
        if (!_registry.TryGetZone(Identity.Zone, out var zone)) return null;
        foreach (var gateway in zone.Gateways)
            if (gateway.Id == id) return gateway;
        return null;
    }

    private long Ticks(int milliseconds) => Math.Max(1, (milliseconds + _tickMs - 1) / _tickMs);

    private double LatencyMs(Pending pending) => (double)(_tick - pending.StartTick) * _tickMs;

    private sealed class Pending(Bytes32 digest, byte[] jws, long startTick, long nextTimeoutTick, int timeoutMs)
    {
        private readonly Dictionary<string, string> _refusals = new(StringComparer.Ordinal);
        public Bytes32 Digest { get; } = digest;
        /// <summary>Set for a migration request: the zone the device moves to once it is answered.</summary>
        public string? MigratesTo { get; init; }
        public byte[] Jws { get; } = jws;
        public long StartTick { get; } = startTick;
        public long NextTimeoutTick = nextTimeoutTick;
        public int TimeoutMs = timeoutMs;
        public int Retries;

        public int AddRefusal(string gateway, string reason)
        {
            // Bounded by the zone's gateway count: only registered gateways of the zone get here.
            _refusals[gateway] = reason;
            return _refusals.Values.Count(r => r == reason);
        }
    }
}
