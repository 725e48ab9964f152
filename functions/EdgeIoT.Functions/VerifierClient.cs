using System.Net;
using System.Net.Http.Headers;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Functions;

/// <summary>
/// The executor's link to the verifier: reads of current values and versions, and delivery of
/// VERIFY. Transport failures are infrastructure faults: retried with exponential back-off until a
/// deadline; the verifier's refusals are final.
/// </summary>
public sealed class VerifierClient(HttpClient http, Uri verifierBase, ILogger logger)
{
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");
    private readonly Uri _read = new(verifierBase, "/v1/read");
    private readonly Uri _verify = new(verifierBase, "/v1/verify");

    public async Task ReadIntoAsync(IEnumerable<string> keys, Dictionary<string, StoredRead> snapshot, TimeSpan deadline, CancellationToken ct)
    {
        var request = new ReadRequest();
        request.Keys.AddRange(keys.Where(k => !snapshot.ContainsKey(k)));
        if (request.Keys.Count == 0) return;
        var bytes = request.ToByteArray();
        var response = await SendWithRetryAsync(_read, bytes, deadline, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new VerifierRefusedException($"verifier refused a read: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        var items = ReadResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(ct));
        foreach (var item in items.Items)
            snapshot[item.Key] = new StoredRead(item.Found, item.Found ? item.Value : null, item.Version);
    }

    /// <summary>
    /// Reads one key nobody writes, once, at start: the connection and both sides' read path are ready
    /// before the first EXECUTE needs them (a cold read took 1.8 s on a busy 2-core machine). Failures only log.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        try
        {
            await ReadIntoAsync(["edgeiot/warm-up"], new Dictionary<string, StoredRead>(StringComparer.Ordinal), TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e) when (e is HttpRequestException or VerifierRefusedException or TimeoutException or TaskCanceledException)
        {
            logger.LogDebug("warm-up read from the verifier failed: {Message}", e.Message);
        }
    }

    /// <summary>Delivers a signed VERIFY; returns the verifier's status code (202 when accepted).</summary>
    public async Task<HttpStatusCode> SendVerifyAsync(Signed verify, TimeSpan deadline, CancellationToken ct)
    {
        var response = await SendWithRetryAsync(_verify, verify.ToByteArray(), deadline, ct);
        if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
            logger.LogWarning("verifier refused VERIFY: {Status} {Body}", (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SendWithRetryAsync(Uri uri, byte[] body, TimeSpan deadline, CancellationToken ct)
    {
        var until = DateTime.UtcNow + deadline;
        var delayMs = 50;
        while (true)
        {
            try
            {
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = Protobuf;
                var response = await http.PostAsync(uri, content, ct);
                // 503/429: the verifier is overloaded or limits this connection — back off like for a transport failure.
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)) return response;
            }
            catch (HttpRequestException e) when (DateTime.UtcNow < until)
            {
                logger.LogDebug("verifier unreachable ({Message}); retrying in {DelayMs} ms", e.Message, delayMs);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // The HTTP client's own timeout: a verifier too slow to answer is a transport fault like
                // a refused connection, not a bug — retry until the deadline.
                logger.LogDebug("verifier did not answer within {TimeoutS} s; retrying in {DelayMs} ms", http.Timeout.TotalSeconds, delayMs);
            }
            if (DateTime.UtcNow >= until) throw new TimeoutException($"verifier at {uri} did not accept the request within {deadline.TotalSeconds:0} s");
            await Task.Delay(delayMs, ct);
            delayMs = Math.Min(delayMs * 2, 2000);
        }
    }
}

public sealed class VerifierRefusedException(string message) : Exception(message);
