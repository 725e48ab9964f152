using System.Text.Json;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Verifier.Storage;
using EdgeIoT.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Verifier;

/// <summary>The verifier's HTTP API (docs/protocol.md): VERIFY from executors, reads, device requests, status.</summary>
public sealed class VerifierEndpoints(
    NetworkRegistry registry,
    VerifierCore core,
    VerifierLoop loop,
    CommittedStateCache cache,
    Responder responder,
    SigningKey verifierKey,
    FloodGuard flood,
    ILogger logger)
{
    public const string Protobuf = "application/x-protobuf";
    public const int MaxReadKeys = VerifierMessages.MaxReadKeys;
    private long _verifyRejected, _verifyAccepted, _verifyForDecided;

    private readonly VerifyAdmission _admission = new(registry);

    public void Map(WebApplication app)
    {
        app.MapPost("/v1/verify", VerifyAsync);
        app.MapPost("/v1/read", ReadAsync);
        app.MapPost("/v1/transactions", TransactionAsync);
        app.MapGet("/v1/status", Status);
        app.MapGet("/healthz", () => Results.Ok("ok"));
    }

    /// <summary>
    /// Accepts a VERIFY only from a registered executor with a valid signature and a batch matching
    /// its digest. VERIFY for an already decided (zone, k) is dropped before any cryptography
    /// (flooding, serverlessbft §5.3).
    /// </summary>
    private async Task<IResult> VerifyAsync(HttpRequest request, CancellationToken ct)
    {
        if (!flood.TryAdmit(request.HttpContext.Connection.Id)) return Results.StatusCode(StatusCodes.Status429TooManyRequests);
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, _admission.MaxVerifyBytes, ct);
        if (body is null) return Reject(StatusCodes.Status413PayloadTooLarge, $"VERIFY larger than {_admission.MaxVerifyBytes} bytes");
        switch (_admission.TryAdmit(body, core.NextSeq, flood.AlreadyVoted, out var vote, out var reason, responder.OnVerifyForDecided))
        {
            case VerifyAdmissionStatus.AlreadyDecided:
                Interlocked.Increment(ref _verifyForDecided);
                return Results.Accepted(value: reason);
            case VerifyAdmissionStatus.Duplicate:
                return Results.Accepted(value: reason);
            case VerifyAdmissionStatus.TooLarge:
                return Reject(StatusCodes.Status413PayloadTooLarge, reason);
            case VerifyAdmissionStatus.Malformed:
                return Reject(StatusCodes.Status400BadRequest, reason);
            case VerifyAdmissionStatus.Forbidden:
                return Reject(StatusCodes.Status403Forbidden, reason);
        }
        flood.Voted(vote.Zone, vote.Seq, vote.Executor);
        if (!loop.TryEnqueue(vote)) return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        Interlocked.Increment(ref _verifyAccepted);
        return Results.Accepted();
    }

    private IResult Reject(int status, string reason)
    {
        Interlocked.Increment(ref _verifyRejected);
        logger.LogWarning("rejected a VERIFY: {Reason}", reason);
        return Results.Text(reason, statusCode: status);
    }

    /// <summary>Current committed values and versions (serverlessbft Fig. 3 lines 17-18). Executors never write.</summary>
    private async Task<IResult> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, 1 << 20, ct);
        if (body is null || !SignedMessages.TryParse(ReadRequest.Parser, body, out var read) || read.Keys.Count > MaxReadKeys)
            return Results.Text($"expected a ReadRequest of at most {MaxReadKeys} keys", statusCode: StatusCodes.Status400BadRequest);
        return Results.Bytes(VerifierMessages.Read(read, cache).ToByteArray(), Protobuf);
    }

    /// <summary>
    /// A device that timed out sends its transaction here (serverlessbft §5.1.2). A decided
    /// transaction gets its RESPONSE again; otherwise the answer is "pending".
    /// </summary>
    private async Task<IResult> TransactionAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, registry.Protocol.MaxTxBytes, ct);
        if (body is null) return Results.Json(new { status = "rejected", reason = RejectReason.PayloadTooLarge.Code() }, statusCode: StatusCodes.Status413PayloadTooLarge);
        if (!DeviceTransaction.TryDecode(body, registry, registry.Protocol.MaxTxBytes, out var tx, out var rejection))
            return Results.Json(new { status = "rejected", reason = rejection.Code, detail = rejection.Detail }, statusCode: StatusCodes.Status400BadRequest);
        (ClientVerdict Verdict, DecidedEntry? Decided) answer;
        try
        {
            answer = await loop.QueryAsync(tx, ct);
        }
        catch (InvalidOperationException)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        if (answer.Decided is not { } decided)
        {
            var action = answer.Verdict switch
            {
                ClientVerdict.WaitingForEarlier => "asked the zone for the sequence number it waits for (ERROR k_max)",
                ClientVerdict.NeverSeen => "asked the zone to order it (ERROR T)",
                _ => "asked the zone to replace its primary (REPLACE)",
            };
            return Results.Json(new { status = "pending", action }, statusCode: StatusCodes.Status202Accepted);
        }
        return Results.Text(System.Text.Encoding.ASCII.GetString(VerifierMessages.ToResponse(decided).Sign(verifierKey)), "application/jose", statusCode: StatusCodes.Status200OK);
    }

    private IResult Status()
    {
        var metrics = core.Metrics;
        var zones = registry.Zones.ToDictionary(z => z.Id, z => new { next_seq = core.NextSeq(z.Id) });
        return Results.Json(new
        {
            zones,
            votes = new { counted = metrics.VotesCounted, for_decided = metrics.VotesForDecided + Interlocked.Read(ref _verifyForDecided), duplicates = metrics.DuplicateVotes + Interlocked.Read(ref flood.DroppedDuplicates), rate_limited = Interlocked.Read(ref flood.DroppedRateLimited), too_far_ahead = metrics.VotesTooFarAhead, rejected = Interlocked.Read(ref _verifyRejected) },
            complaints = new { sent = metrics.Complaints, replacements = metrics.Replacements },
            decided = new { batches = metrics.BatchesDecided, committed = metrics.Committed, aborted = metrics.Aborted, rejected = metrics.Rejected, duplicates = metrics.Duplicates },
            published = new { responses = Interlocked.Read(ref responder.ResponsesPublished), notices = Interlocked.Read(ref responder.NoticesPublished), notices_reannounced = Interlocked.Read(ref responder.NoticesReannounced), failures = Interlocked.Read(ref responder.PublishFailures) },
            rows = cache.RowCount,
        }, new JsonSerializerOptions { WriteIndented = true });
    }
}
