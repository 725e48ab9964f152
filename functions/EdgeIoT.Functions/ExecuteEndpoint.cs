using System.Net;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Functions.Protocol;

namespace EdgeIoT.Functions;

/// <summary>
/// POST /api/execute: the HTTP trigger. Checks the EXECUTE, fetches what the batch reads, executes
/// it, and answers once VERIFY is delivered to the verifier — a serverless function must finish its
/// work inside the request (work left after the response may be frozen or killed by the platform).
/// </summary>
public sealed class ExecuteEndpoint(ExecutorCore core, VerifierClient verifier, ILogger logger, bool flood = false, EmulatedDelay? emulatedDelay = null)
{
    /// <summary>Copies of each VERIFY a flooding executor sends (fault injection, serverlessbft §5.3 F3).</summary>
    public const int FloodCopies = 50;
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan VerifyDeadline = TimeSpan.FromSeconds(30);
    private long _executed, _refused, _failed;

    public (long Executed, long Refused, long Failed) Counters => (Interlocked.Read(ref _executed), Interlocked.Read(ref _refused), Interlocked.Read(ref _failed));

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, core.MaxExecuteBytes, ct);
        if (body is null) return Refuse(StatusCodes.Status413PayloadTooLarge, $"EXECUTE larger than {core.MaxExecuteBytes} bytes");
        if (!core.TryAccept(body, out var execution, out var kind, out var reason))
            return Refuse(kind is ExecuteRejection.Malformed or ExecuteRejection.BatchTooLarge ? StatusCodes.Status400BadRequest : StatusCodes.Status403Forbidden, reason);
        try
        {
            var delay = emulatedDelay ?? EmulatedDelay.None;
            await delay.WaitAsync(ct); // the EXECUTE's trip from the gateway to this region
            var snapshot = new Dictionary<string, StoredRead>(StringComparer.Ordinal);
            await verifier.ReadIntoAsync(execution.ReadHints(), snapshot, ReadDeadline, ct);
            ExecutionStep step;
            while (!(step = execution.Run(snapshot)).IsDone)
                await verifier.ReadIntoAsync(step.MissingKeys, snapshot, ReadDeadline, ct);
            await delay.WaitAsync(ct); // the VERIFY's trip from this region to the verifier
            var status = await verifier.SendVerifyAsync(step.SignedVerify!, VerifyDeadline, ct);
            if (flood)
                await Task.WhenAll(Enumerable.Range(0, FloodCopies).Select(_ => verifier.SendVerifyAsync(step.SignedVerify!, VerifyDeadline, ct)));
            Interlocked.Increment(ref _executed);
            return Results.Text($"executed {execution.Zone}/{execution.Seq}: verifier answered {(int)status}", statusCode: StatusCodes.Status200OK);
        }
        catch (Exception e) when (e is TimeoutException or VerifierRefusedException or HttpRequestException)
        {
            Interlocked.Increment(ref _failed);
            logger.LogWarning("batch {Zone}/{Seq} not verified: {Message}", execution.Zone, execution.Seq, e.Message);
            return Results.Text(e.Message, statusCode: StatusCodes.Status502BadGateway);
        }
    }

    private IResult Refuse(int status, string reason)
    {
        Interlocked.Increment(ref _refused);
        logger.LogWarning("refused an EXECUTE: {Reason}", reason);
        return Results.Text(reason, statusCode: status);
    }
}
