using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Devices;
using EdgeIoT.Simulation.Engine;

namespace EdgeIoT.Simulation.Tests.Devices;

public sealed class DeviceCoreTests : IDisposable
{
    private readonly SigningKey _verifier = SeedStreams.Key(1, "verifier");
    private readonly SigningKey[] _gateways = Enumerable.Range(0, 4).Select(i => SeedStreams.Key(1, $"z1-g{i}")).ToArray();
    private readonly SigningKey[] _strangers = Enumerable.Range(0, 4).Select(i => SeedStreams.Key(1, $"z2-g{i}")).ToArray();
    private readonly SigningKey _device = SeedStreams.Key(1, "d0");
    private readonly SimClock _clock = new();
    private readonly NetworkRegistry _registry;
    private readonly DeviceCore _core;

    public DeviceCoreTests()
    {
        _registry = new NetworkRegistry
        {
            Zones = [Zone("z1", _gateways), Zone("z2", _strangers)],
            Verifier = new VerifierInfo { PublicKey = KeyText.Format(_verifier.PublicKey), Url = "http://verifier" },
            Devices = [new DeviceInfo { Id = "d0", Zone = "z1", PublicKey = KeyText.Format(_device.PublicKey) }],
        };
        _core = new DeviceCore(new DeviceIdentity("d0", "z1", _device, _clock), _registry,
            new DeviceClientOptions { ResponseTimeoutMs = 100, ResponseTimeoutMaxMs = 350, SubmitDeadlineMs = 2000, RefusalQuorum = 2 });
    }

    private static ZoneInfo Zone(string id, SigningKey[] keys) => new()
    {
        Id = id,
        FaultyGateways = 1,
        Gateways = keys.Select((k, i) => new GatewayInfo { Id = $"{id}-g{i}", Index = i, PublicKey = KeyText.Format(k.PublicKey), PeerPort = 9000 + i }).ToList(),
    };

    private (ulong Timestamp, byte[] Jws) Submit()
    {
        var timestamp = _core.Submit("kv", "update", new { key = "kv/1", value = "v" });
        var publish = Assert.Single(_core.TakeReady().Actions);
        Assert.Equal(DeviceActionKind.PublishToZone, publish.Kind);
        Assert.Equal("z1", publish.Zone);
        return (timestamp, publish.Jws);
    }

    private void Tick(int ticks)
    {
        for (var i = 0; i < ticks; i++) _core.Tick();
    }

    private byte[] Response(ulong timestamp, byte[] jws, string status = VerifierResponse.Committed, SigningKey? signer = null, string device = "d0") =>
        new VerifierResponse(device, "z1", timestamp, Sha256Digest.Of(jws), 7, 0, status, status == VerifierResponse.Committed ? "{\"ok\":true}" : null, null).Sign(signer ?? _verifier);

    private byte[] Refusal(int gateway, ulong timestamp, byte[] jws, RejectReason reason, SigningKey[]? zone = null, string zoneId = "z1") =>
        GatewayRejection.Sign((zone ?? _gateways)[gateway], $"{zoneId}-g{gateway}", "d0", timestamp, Sha256Digest.Of(jws), new Rejection(reason, "test"));

    [Fact]
    public void Submitting_publishes_once_and_waits_for_the_timeout()
    {
        Submit();
        Tick(99);
        Assert.True(_core.TakeReady().IsEmpty);
        Assert.Equal(1, _core.PendingCount);
    }

    [Fact]
    public void On_timeout_it_publishes_again_and_asks_the_verifier_backing_off_to_the_maximum()
    {
        var (timestamp, jws) = Submit();
        var retriesAt = new List<long>();
        for (var tick = 1; tick <= 1200; tick++)
        {
            _core.Tick();
            var actions = _core.TakeReady().Actions;
            if (actions.Count == 0) continue;
            Assert.Equal([DeviceActionKind.PublishToZone, DeviceActionKind.SendToVerifier], actions.Select(a => a.Kind));
            Assert.All(actions, a => Assert.Equal(jws, a.Jws));
            Assert.All(actions, a => Assert.Equal(timestamp, a.Timestamp));
            retriesAt.Add(tick);
        }
        // 100, then 200, then 350 (capped) apart.
        Assert.Equal([100, 300, 650, 1000], retriesAt);
    }

    [Fact]
    public void A_verified_response_completes_the_transaction_and_late_copies_are_reported_but_change_nothing()
    {
        var (timestamp, jws) = Submit();
        Tick(150);
        _core.TakeReady();
        _core.OnResponse(Response(timestamp, jws));
        var ready = _core.TakeReady();
        var result = Assert.Single(ready.Completed);
        Assert.Equal(DeviceOutcome.Committed, result.Outcome);
        Assert.Equal(7UL, result.Seq);
        Assert.Equal(150, result.LatencyMs);
        Assert.Equal(1, result.Retries);
        Assert.Single(ready.VerifiedResponses);

        _core.OnResponse(Response(timestamp, jws));
        ready = _core.TakeReady();
        Assert.Empty(ready.Completed);
        Assert.Single(ready.VerifiedResponses);
        Assert.Equal(0, _core.PendingCount);
    }

    [Fact]
    public void Responses_not_signed_by_the_verifier_or_for_another_device_or_transaction_are_ignored()
    {
        var (timestamp, jws) = Submit();
        _core.OnResponse(Response(timestamp, jws, signer: _gateways[0]));
        _core.OnResponse(Response(timestamp, jws, device: "d9"));
        _core.OnResponse("garbage"u8);
        Assert.Equal(3, _core.InvalidResponses);
        _core.OnResponse(Response(timestamp, "another transaction"u8.ToArray()));
        var ready = _core.TakeReady();
        Assert.Empty(ready.Completed);
        Assert.Single(ready.VerifiedResponses);
        Assert.Equal(1, _core.PendingCount);
    }

    [Fact]
    public void Gateway_refusals_count_only_when_f_plus_one_gateways_of_the_zone_agree()
    {
        var (timestamp, jws) = Submit();
        _core.OnGatewayError(Refusal(0, timestamp, jws, RejectReason.Overloaded));
        _core.OnGatewayError(Refusal(0, timestamp, jws, RejectReason.Overloaded));
        _core.OnGatewayError(Refusal(1, timestamp, jws, RejectReason.Overloaded, _strangers, "z2"));
        _core.OnGatewayError(Refusal(2, timestamp, jws, RejectReason.UnknownApplication));
        Assert.Empty(_core.TakeReady().Completed);
        _core.OnGatewayError(Refusal(3, timestamp, jws, RejectReason.Overloaded));
        var result = Assert.Single(_core.TakeReady().Completed);
        Assert.Equal(DeviceOutcome.RefusedByGateways, result.Outcome);
        Assert.StartsWith("overloaded", result.Reason);
    }

    [Fact]
    public void Stale_timestamp_refusals_never_end_a_submission_because_they_mean_it_may_have_been_decided()
    {
        var (timestamp, jws) = Submit();
        for (var gateway = 0; gateway < 4; gateway++) _core.OnGatewayError(Refusal(gateway, timestamp, jws, RejectReason.StaleTimestamp));
        Assert.Empty(_core.TakeReady().Completed);
        Assert.Equal(4, _core.IgnoredRefusals);
        _core.OnResponse(Response(timestamp, jws, VerifierResponse.Aborted));
        Assert.Equal(DeviceOutcome.Aborted, Assert.Single(_core.TakeReady().Completed).Outcome);
    }

    [Fact]
    public void Without_an_answer_by_the_deadline_the_transaction_times_out()
    {
        var (timestamp, _) = Submit();
        Tick(1999);
        Assert.Empty(_core.TakeReady().Completed);
        _core.Tick();
        var result = Assert.Single(_core.TakeReady().Completed);
        Assert.Equal(DeviceOutcome.TimedOut, result.Outcome);
        Assert.Equal(timestamp, result.Timestamp);
    }

    [Fact]
    public void A_timestamp_already_in_flight_cannot_be_submitted_again()
    {
        var (timestamp, jws) = Submit();
        Assert.Throws<InvalidOperationException>(() => _core.SubmitSigned(jws, timestamp));
    }

    public void Dispose()
    {
        foreach (var key in _gateways.Concat(_strangers).Append(_verifier).Append(_device)) key.Dispose();
    }
}
