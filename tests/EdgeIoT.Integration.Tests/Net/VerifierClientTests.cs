using System.Net;
using System.Net.Sockets;
using EdgeIoT.Functions;
using EdgeIoT.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeIoT.Integration.Tests.Net;

/// <summary>The executor's verifier client treats a verifier that accepts but never answers as a transport fault.</summary>
public sealed class VerifierClientTests
{
    [Fact]
    public async Task A_verifier_that_never_answers_is_retried_until_the_deadline_then_reported_as_a_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<Socket>();
        var accepting = Task.Run(async () =>
        {
            try { while (true) accepted.Enqueue(await listener.AcceptSocketAsync()); } // accept, read nothing, answer nothing
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        var client = new VerifierClient(http, new Uri($"http://127.0.0.1:{port}"), NullLogger.Instance);

        // A deadline of many HTTP timeouts: on a loaded machine one attempt and its back-off may take far longer than 200 ms.
        var error = await Record.ExceptionAsync(() => client.SendVerifyAsync(new Signed(), TimeSpan.FromSeconds(3), CancellationToken.None));

        Assert.IsType<TimeoutException>(error); // ExecuteEndpoint turns it into 502, not an unhandled 500
        // The accept loop may not have queued the last connection yet: wait for it rather than read a snapshot.
        await Launch.Eventually.True(() => accepted.Count >= 2, "a silent verifier is retried: at least two connections from the client", 10);
        listener.Stop();
        await accepting;
        foreach (var socket in accepted) socket.Dispose();
    }
    [Fact]
    public async Task The_warm_up_read_connects_to_the_verifier_and_never_throws()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        var client = new VerifierClient(http, new Uri($"http://127.0.0.1:{port}"), NullLogger.Instance);

        // A verifier that accepts and never answers: the warm-up gives up quietly after its deadline.
        var warmUp = client.WarmUpAsync(CancellationToken.None);
        using var connection = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await warmUp.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(warmUp.IsCompletedSuccessfully);

        // No verifier at all: refused connections, also quiet.
        listener.Stop();
        await client.WarmUpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
