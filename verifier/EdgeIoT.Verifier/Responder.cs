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

    public long ResponsesPublished, NoticesPublished, PublishFailures;

    public void Enqueue(DecidedBatch batch) => _work.Writer.TryWrite(batch);

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
                    Publish(topics.ZoneNotices(ZoneOf(complaint)), SignedMessages.Sign(complaint, SignatureDomain.VerifierNotice, 0, verifierKey).ToByteArray(), ref NoticesPublished);
                    logger.LogInformation("notice to {Zone}: {Kind}", ZoneOf(complaint), complaint.KindCase);
                    continue;
                }
                var batch = (DecidedBatch)work;
                // Gateways first: they learn the decided timestamps before a device can act on its
                // response, which narrows the window in which a replay reaches ordering.
                Publish(topics.ZoneNotices(batch.Zone), Notice(batch).ToByteArray(), ref NoticesPublished);
                foreach (var entry in batch.Entries)
                    if (Identifiers.IsValid(entry.Device) && !entry.Reason.StartsWith(VerifierCore.DuplicateReasonPrefix, StringComparison.Ordinal))
                        Publish(topics.DeviceResponse(entry.Device), ToResponse(entry).Sign(verifierKey), ref ResponsesPublished);
                foreach (var original in batch.Resends)
                    Publish(topics.DeviceResponse(original.Device), ToResponse(original).Sign(verifierKey), ref ResponsesPublished);
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

    private static string ZoneOf(VerifierNotice notice) => notice.KindCase switch
    {
        VerifierNotice.KindOneofCase.ErrorSeq => notice.ErrorSeq.Zone,
        VerifierNotice.KindOneofCase.ErrorTx => notice.ErrorTx.Zone,
        VerifierNotice.KindOneofCase.Replace => notice.Replace.Zone,
        VerifierNotice.KindOneofCase.Ack => notice.Ack.Zone,
        _ => notice.Decided.Zone,
    };

    public static VerifierResponse ToResponse(DecidedEntry entry) => new(
        entry.Device, entry.Zone, entry.Timestamp, entry.TxDigest, entry.Seq, entry.Position,
        entry.Status switch
        {
            TxStatus.Committed => VerifierResponse.Committed,
            TxStatus.Aborted => VerifierResponse.Aborted,
            _ => VerifierResponse.Rejected,
        },
        entry.Status == TxStatus.Committed ? entry.Result : null,
        entry.Status == TxStatus.Committed ? null : entry.Reason);

    private Signed Notice(DecidedBatch batch)
    {
        var decided = new Decided { Zone = batch.Zone, Seq = batch.Seq };
        foreach (var entry in batch.Entries)
            decided.Txs.Add(new DecidedTx { Device = entry.Device, Timestamp = entry.Timestamp, Status = entry.Status, TxDigest = ByteString.CopyFrom(entry.TxDigest.ToArray()) });
        var notice = new VerifierNotice { IssuedMs = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds(), Decided = decided };
        return SignedMessages.Sign(notice, SignatureDomain.VerifierNotice, 0, verifierKey);
    }
}
