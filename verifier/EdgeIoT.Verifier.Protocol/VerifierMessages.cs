using EdgeIoT.Core.Envelope;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>What the verifier says to devices (RESPONSE) and to gateways (DECIDED), built from its decisions.</summary>
public static class VerifierMessages
{
    public static VerifierResponse ToResponse(DecidedEntry entry) => new(
        entry.Device, entry.Zone, entry.Timestamp, entry.TxDigest, entry.Seq, entry.Position,
        entry.Status switch
        {
            TxStatus.Committed => VerifierResponse.Committed,
            TxStatus.Aborted => VerifierResponse.Aborted,
            TxStatus.System => VerifierResponse.Committed, // an ADOPT answering a migration request

            _ => VerifierResponse.Rejected,
        },
        entry.Status is TxStatus.Committed or TxStatus.System ? entry.Result : null,
        entry.Status is TxStatus.Committed or TxStatus.System ? null : entry.Reason);

    /// <summary>Entries whose device hears about them: a duplicate's device hears the original decision
    /// instead; of system entries only an applied ADOPT answers a device (its migration request).</summary>
    public static IEnumerable<DecidedEntry> ResponsesFor(DecidedBatch batch) =>
        batch.Entries.Where(e => Identifiers.IsValid(e.Device) && !e.Reason.StartsWith(VerifierCore.DuplicateReasonPrefix, StringComparison.Ordinal)
                && (e.Status != TxStatus.System || e.Timestamp > 0))
            .Concat(batch.Resends);

    public static VerifierNotice Decided(DecidedBatch batch, ulong issuedMs)
    {
        var decided = new Decided { Zone = batch.Zone, Seq = batch.Seq, ZoneDigest = ByteString.CopyFrom(batch.ZoneDigest.ToArray()) };
        foreach (var entry in batch.Entries)
            decided.Txs.Add(new DecidedTx { Device = entry.Device, Timestamp = entry.Timestamp, Status = entry.Status, TxDigest = ByteString.CopyFrom(entry.TxDigest.ToArray()) });
        decided.Migrations.AddRange(batch.Migrations);
        return new VerifierNotice { IssuedMs = issuedMs, Decided = decided };
    }

    /// <summary>Keys one read may ask for.</summary>
    public const int MaxReadKeys = 4096;

    /// <summary>POST /v1/read's answer: current values and versions of the keys asked for (Fig. 3 lines 17-18).</summary>
    public static ReadResponse Read(ReadRequest read, ICommittedState state)
    {
        var response = new ReadResponse();
        foreach (var key in read.Keys)
        {
            if (Core.Execution.SystemKeys.TryParseDeviceTimestamp(key, out var device))
            {
                response.Items.Add(new ReadItem { Key = key, Found = true, Value = Core.Execution.SystemKeys.Format(state.LastTimestamp(device)) });
                continue;
            }
            var value = state.Get(key);
            var item = new ReadItem { Key = key, Found = value.Found, Version = value.Version };
            if (value.Value is not null) item.Value = value.Value;
            response.Items.Add(item);
        }
        return response;
    }

    public static string ZoneOf(VerifierNotice notice) => notice.KindCase switch
    {
        VerifierNotice.KindOneofCase.Decided => notice.Decided.Zone,
        VerifierNotice.KindOneofCase.ErrorSeq => notice.ErrorSeq.Zone,
        VerifierNotice.KindOneofCase.ErrorTx => notice.ErrorTx.Zone,
        VerifierNotice.KindOneofCase.Replace => notice.Replace.Zone,
        VerifierNotice.KindOneofCase.Ack => notice.Ack.Zone,
        _ => "",
    };
}
