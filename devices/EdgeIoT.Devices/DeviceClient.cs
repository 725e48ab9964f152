using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Devices;

/// <summary>
/// The device SDK: signs a transaction, publishes it to the zone, and waits for a response signed by
/// the verifier (serverlessbft Fig. 3 lines 1-3). On timeout it backs off exponentially, publishes the
/// same transaction again and asks the verifier directly (§5.1.2), which resends a known RESPONSE.
/// Gateway refusals count only when f_R+1 gateways agree: gateways are untrusted.
/// </summary>
public sealed class DeviceClient
{
    private readonly DeviceConnection _connection;
    private readonly DeviceClientOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _verifierTransactions;
    private readonly ConcurrentDictionary<ulong, Pending> _pending = new();

    private DeviceClient(DeviceConnection connection, DeviceIdentity identity, DeviceClientOptions options, HttpClient http)
    {
        _connection = connection;
        Identity = identity;
        _options = options;
        _http = http;
        _verifierTransactions = new Uri(new Uri(connection.Registry.Verifier.Url), "/v1/transactions");
    }

    public DeviceIdentity Identity { get; }
    public DeviceConnection Connection => _connection;
    public long InvalidResponses;

    /// <summary>Creates a client for <paramref name="identity"/> on <paramref name="connection"/> and subscribes to its topics.</summary>
    public static async Task<DeviceClient> AttachAsync(DeviceConnection connection, DeviceIdentity identity, HttpClient http, DeviceClientOptions? options = null, CancellationToken ct = default)
    {
        var client = new DeviceClient(connection, identity, options ?? new DeviceClientOptions(), http);
        await connection.AttachAsync(client, ct);
        return client;
    }

    public Task<DeviceResult> SubmitAsync(string app, string op, object? args, CancellationToken ct = default, IReadOnlyCollection<string>? reads = null, IReadOnlyCollection<string>? writes = null)
    {
        var (jws, timestamp) = Identity.Sign(app, op, args, reads, writes);
        return SubmitSignedAsync(jws, timestamp, ct);
    }

    /// <summary>
    /// Moves this device to <paramref name="toZone"/> (ziziphus §3.2, docs/zones.md): the request goes to
    /// the initiator zone — the stable zone, or the destination under leader election — and is answered by
    /// the verifier once the destination adopted the device (then <see cref="DeviceIdentity.Zone"/> is
    /// <paramref name="toZone"/>), or refused by f_R+1 gateways of the initiator zone with the reason.
    /// </summary>
    public async Task<DeviceResult> MigrateAsync(string toZone, CancellationToken ct = default)
    {
        var registry = _connection.Registry;
        if (!registry.TryGetZone(toZone, out _)) throw new ArgumentException($"zone \"{toZone}\" is not in the network", nameof(toZone));
        var initiator = registry.Global.Leader == Core.Config.GlobalLeaderMode.StableLeader ? registry.Global.StableZoneOr(registry.Zones) : toZone;
        var (jws, timestamp) = Identity.SignMigration(toZone, initiator);
        var result = await SubmitSignedAsync(jws, timestamp, ct, initiator);
        if (result.Outcome == DeviceOutcome.Committed) Identity.Zone = toZone;
        return result;
    }

    /// <summary>Submits an already signed transaction (for example one prepared ahead of time).</summary>
    /// <param name="zone">The zone it is addressed to; the device's own zone when null.</param>
    public async Task<DeviceResult> SubmitSignedAsync(byte[] jws, ulong timestamp, CancellationToken ct = default, string? zone = null)
    {
        var digest = Sha256Digest.Of(jws);
        zone ??= Identity.Zone;
        var pending = new Pending(digest, zone);
        if (!_pending.TryAdd(timestamp, pending)) throw new InvalidOperationException($"timestamp {timestamp} is already in flight");
        var clock = Stopwatch.StartNew();
        var retries = 0;
        try
        {
            var topic = _connection.Topics.ZoneTransactions(zone);
            Publish(topic, jws);
            var timeoutMs = _options.ResponseTimeoutMs;
            while (true)
            {
                var remainingMs = _options.SubmitDeadlineMs - (int)clock.ElapsedMilliseconds;
                if (remainingMs <= 0) return new DeviceResult(DeviceOutcome.TimedOut, timestamp, null, "no verified response", 0, 0, clock.Elapsed.TotalMilliseconds, retries);
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var wait = Task.Delay(Math.Min(timeoutMs, remainingMs), timer.Token);
                var first = await Task.WhenAny(pending.Completion.Task, pending.Refusal.Task, wait);
                timer.Cancel();
                if (first == pending.Completion.Task)
                    return Finish(await pending.Completion.Task, timestamp, clock, retries);
                if (first == pending.Refusal.Task)
                    return new DeviceResult(DeviceOutcome.RefusedByGateways, timestamp, null, await pending.Refusal.Task, 0, 0, clock.Elapsed.TotalMilliseconds, retries);
                ct.ThrowIfCancellationRequested();
                // §5.1.2: on timeout, ask the verifier (which resends a decided RESPONSE) and publish again
                // in case the transaction never reached the gateways.
                retries++;
                Publish(topic, jws);
                await AskVerifierAsync(jws, ct);
                timeoutMs = Math.Min(timeoutMs * 2, _options.ResponseTimeoutMaxMs);
            }
        }
        finally
        {
            _pending.TryRemove(timestamp, out _);
        }
    }

    private void Publish(string topic, byte[] jws)
    {
        // A disconnected client refuses; the retry path publishes again after the timeout.
        _connection.Mqtt.TryPublish(topic, jws, qos: 1);
    }

    private async Task AskVerifierAsync(byte[] jws, CancellationToken ct)
    {
        try
        {
            using var content = new ByteArrayContent(jws);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/jose");
            using var response = await _http.PostAsync(_verifierTransactions, content, ct);
            if (response.StatusCode == HttpStatusCode.OK)
                OnResponse(await response.Content.ReadAsByteArrayAsync(ct));
        }
        catch (HttpRequestException)
        {
            // The verifier is unreachable for now; the next timeout tries again.
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // The HTTP client's own timeout: the verifier is too slow for now (a loaded machine); the same.
        }
    }

    private static DeviceResult Finish(VerifierResponse response, ulong timestamp, Stopwatch clock, int retries)
    {
        var outcome = response.Status switch
        {
            VerifierResponse.Committed => DeviceOutcome.Committed,
            VerifierResponse.Aborted => DeviceOutcome.Aborted,
            _ => DeviceOutcome.Rejected,
        };
        return new DeviceResult(outcome, timestamp, response.ResultJson, response.Reason, response.Seq, response.Position, clock.Elapsed.TotalMilliseconds, retries)
        {
            Zone = response.Zone,
            TxDigest = response.TxDigest,
        };
    }

    /// <summary>A RESPONSE arrived (MQTT or HTTP): accept it only if the verifier signed it and it answers our transaction.</summary>
    internal void OnResponse(ReadOnlyMemory<byte> payload)
    {
        if (!VerifierResponse.TryVerify(payload.Span, _connection.Registry.Verifier.Key, out var response, out _)
            || response.Device != Identity.Id)
        {
            Interlocked.Increment(ref InvalidResponses);
            return;
        }
        if (_pending.TryGetValue(response.Timestamp, out var pending) && pending.Digest == response.TxDigest)
            pending.Completion.TrySetResult(response);
    }

    /// <summary>A gateway refused a transaction. Believe it only when f_R+1 distinct gateways say the same.</summary>
    internal void OnGatewayError(ReadOnlyMemory<byte> payload)
    {
        if (!JwsCompact.TryParse(payload.Span, 16 * 1024, out var jws, out _)) return;
        var (zone, gateway) = FindGateway(jws.KeyId);
        if (gateway is null || !jws.VerifySignature(payload.Span, gateway.Key)) return;
        try
        {
            using var document = JsonDocument.Parse(jws.Payload);
            var root = document.RootElement;
            if (!root.TryGetProperty("ts", out var ts) || !root.TryGetProperty("tx", out var tx)) return;
            if (!_pending.TryGetValue(ts.GetUInt64(), out var pending) || pending.Zone != zone) return;
            if (new Bytes32(Base64Url.Decode(tx.GetString() ?? "")) != pending.Digest) return;
            var reason = root.GetProperty("reason").GetString() ?? "";
            // A stale timestamp on our own pending transaction means a copy of it was already decided
            // (this is a retransmission): the verifier has the answer, so keep waiting for it.
            if (reason == RejectReason.StaleTimestamp.Code()) return;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (pending.AddRefusal(jws.KeyId, reason) >= _options.RefusalQuorum)
                pending.Refusal.TrySetResult($"{reason}: {detail}");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            // A malformed refusal is ignored like any other bad input.
        }
    }

    private (string? Zone, Core.Config.GatewayInfo? Gateway) FindGateway(string id)
    {
        foreach (var zone in _connection.Registry.Zones)
            foreach (var gateway in zone.Gateways)
                if (gateway.Id == id) return (zone.Id, gateway);
        return (null, null);
    }

    private sealed class Pending(Bytes32 digest, string zone)
    {
        private readonly ConcurrentDictionary<string, string> _refusals = new(StringComparer.Ordinal);
        public Bytes32 Digest { get; } = digest;
        /// <summary>The zone the transaction went to: only its gateways' refusals count.</summary>
        public string Zone { get; } = zone;
        public TaskCompletionSource<VerifierResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<string> Refusal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int AddRefusal(string gateway, string reason)
        {
            _refusals[gateway] = reason;
            return _refusals.Values.Count(r => r == reason);
        }
    }
}
