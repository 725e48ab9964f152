using System.Net.Http.Headers;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway;

/// <summary>
/// Sends EXECUTE(batch, k, certificate) to executors over HTTP without waiting for them
/// (out-of-order spawning, serverlessbft §4.3). In-flight requests are bounded; beyond the bound a
/// spawn waits its turn on its own task, never blocking the protocol loop.
/// </summary>
internal sealed class ExecutorInvoker : IDisposable
{
    public const int MaxInFlight = 256;
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");
    private readonly NetworkRegistry _registry;
    private readonly ZoneInfo _zone;
    private readonly int _self;
    private readonly SigningKey _key;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _slots = new(MaxInFlight);
    private readonly ILogger _logger;
    public long Sent, Failed;

    public ExecutorInvoker(NetworkRegistry registry, ZoneInfo zone, int self, SigningKey key, ILogger logger)
    {
        _registry = registry;
        _zone = zone;
        _self = self;
        _key = key;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 64,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }) { Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>
    /// Opens a connection to every executor before the first batch needs one: a GET of the EXECUTE URL,
    /// whatever it answers. A cold network's first EXECUTE otherwise pays the connection and both HTTP
    /// stacks' first use, on 2 shared cores over a second, and the verifier's S3 timer blames the primary.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        await Task.WhenAll(_registry.Executors.Members.Select(async executor =>
        {
            try
            {
                using var response = await _http.GetAsync(executor.Url, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _logger.LogDebug("warm-up of executor {Executor} failed: {Message}", executor.Id, e.Message);
            }
        }));
    }

    public void Spawn(SpawnRequest spawn)
    {
        var execute = new Execute { Zone = _zone.Id, Seq = spawn.Batch.Seq, Batch = spawn.Batch.Batch, Certificate = spawn.Batch.Certificate };
        var signed = SignedMessages.Sign(execute, SignatureDomain.Execute, _self, _key).ToByteArray();
        foreach (var index in spawn.Executors)
            _ = SendAsync(_registry.Executors.Members[index], spawn.Batch.Seq, signed);
    }

    private async Task SendAsync(ExecutorInfo executor, ulong seq, byte[] body)
    {
        await _slots.WaitAsync();
        try
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = Protobuf;
            using var response = await _http.PostAsync(executor.Url, content);
            Interlocked.Increment(ref Sent);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref Failed);
                _logger.LogWarning("executor {Executor} answered {Status} for {Zone}/{Seq}: {Body}", executor.Id, (int)response.StatusCode, _zone.Id, seq, await response.Content.ReadAsStringAsync());
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // The batch stays undecided and the invoker core re-spawns it after its timeout.
            Interlocked.Increment(ref Failed);
            _logger.LogWarning("EXECUTE {Zone}/{Seq} to {Executor} failed: {Message}", _zone.Id, seq, executor.Id, e.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _http.Dispose();
}
