using System.Threading.Channels;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Verifier;

/// <summary>
/// Signs and publishes what the loop decided: a RESPONSE per transaction to its device, and a
/// DECIDED notice per batch to the zone's gateways (serverlessbft Fig. 3 line 33). Runs beside the
/// loop so signing never delays the next commit.
/// </summary>
public sealed class Responder(SigningKey verifierKey, Topics topics, IMessagePublisher publisher, TimeProvider time, ILogger logger)
{
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LatestDecided _latest = new();

    private sealed record Reannouncement(DecidedBatch Batch);

    public long ResponsesPublished, NoticesPublished, PublishFailures, NoticesReannounced;

    public void Enqueue(DecidedBatch batch) => _work.Writer.TryWrite(batch);

    /// <summary>At start-up: the zone's last decided batch, whose notice the previous run may not have published.</summary>
    public void Restore(DecidedBatch batch) => _latest.Restore(batch);

    /// <summary>An executor sent VERIFY for decided (<paramref name="zone"/>, <paramref name="seq"/>): the zone's gateways may have missed the decision.</summary>
    public void OnVerifyForDecided(string zone, ulong seq)
    {
        if (_latest.Reannounce(zone, seq, time.GetUtcNow().ToUnixTimeMilliseconds()) is { } batch) _work.Writer.TryWrite(new Reannouncement(batch));
    }

    /// <summary>A complaint or acknowledgement for a zone's gateways (ERROR, REPLACE, ACK).</summary>
    public void Enqueue(VerifierNotice notice) => _work.Writer.TryWrite(notice);

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(ct))
            {
                if (work is VerifierNotice complaint)
                {
                    complaint.IssuedMs = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
                    var zone = VerifierMessages.ZoneOf(complaint);
                    Publish(topics.ZoneNotices(zone), SignedMessages.Sign(complaint, SignatureDomain.VerifierNotice, 0, verifierKey).ToByteArray(), ref NoticesPublished);
                    logger.LogInformation("notice to {Zone}: {Kind}", zone, complaint.KindCase);
                    continue;
                }
                if (work is Reannouncement again)
                {
                    var repeated = VerifierMessages.Decided(again.Batch, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds());
                    Publish(topics.ZoneNotices(again.Batch.Zone), SignedMessages.Sign(repeated, SignatureDomain.VerifierNotice, 0, verifierKey).ToByteArray(), ref NoticesReannounced);
                    logger.LogInformation("zone {Zone}: executors still VERIFY decided batches; announced decided seq {Seq} again", again.Batch.Zone, again.Batch.Seq);
                    continue;
                }
                var batch = (DecidedBatch)work;
                // Gateways first: they learn the decided timestamps before a device can act on its
                // response, which narrows the window in which a replay reaches ordering.
                var notice = VerifierMessages.Decided(batch, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds());
                Publish(topics.ZoneNotices(batch.Zone), SignedMessages.Sign(notice, SignatureDomain.VerifierNotice, 0, verifierKey).ToByteArray(), ref NoticesPublished);
                _latest.Record(batch, time.GetUtcNow().ToUnixTimeMilliseconds());
                foreach (var entry in VerifierMessages.ResponsesFor(batch))
                    Publish(topics.DeviceResponse(entry.Device), VerifierMessages.ToResponse(entry).Sign(verifierKey), ref ResponsesPublished);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Publish(string topic, byte[] payload, ref long counter)
    {
        if (publisher.TryPublish(topic, payload, qos: 1)) Interlocked.Increment(ref counter);
        else
        {
            Interlocked.Increment(ref PublishFailures);
            logger.LogWarning("could not publish to {Topic}; the device will ask the verifier directly after its timeout", topic);
        }
    }

}
