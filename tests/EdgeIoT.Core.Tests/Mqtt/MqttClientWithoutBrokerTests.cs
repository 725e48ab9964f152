using System.Net;
using System.Net.Sockets;
using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Core.Tests.Mqtt;

/// <summary>What the client does before and without any broker: argument checks, refusals, teardown.</summary>
public class MqttClientWithoutBrokerTests
{
    private static MqttClient NewClient(int port = 1883) =>
        new(new MqttClientOptions { ClientId = "unit-" + Guid.NewGuid().ToString("N")[..8], Port = port, MaxPayloadBytes = 64 });

    [Fact]
    public void Programming_errors_throw_ArgumentException_before_reaching_native_code()
    {
        using var client = NewClient();
        Assert.Throws<ArgumentException>(() => client.TryPublish("a/+", [], 0));
        Assert.Throws<ArgumentException>(() => client.TryPublish("a/#", [], 1));
        Assert.Throws<ArgumentException>(() => client.TryPublish("", [], 0));
        Assert.Throws<ArgumentNullException>(() => client.TryPublish(null!, [], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.TryPublish("a", [], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.TryPublish("a", [], -1));
        Assert.Throws<ArgumentException>(() => client.TryPublish("a", new byte[65], 0));
        // Thrown synchronously, not through the task: the call itself is wrong.
        Assert.Throws<ArgumentException>(() => { _ = client.PublishAsync("a/#", default, 1, CancellationToken.None); });
        Assert.Throws<ArgumentException>(() => { _ = client.SubscribeAsync("a/b#", 1, CancellationToken.None); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.SubscribeAsync("a/#", 3, CancellationToken.None); });
        Assert.Equal(0, client.PublishFailures);
    }

    [Fact]
    public void TryPublish_while_not_connected_returns_false_and_counts()
    {
        using var client = NewClient();
        Assert.False(client.IsConnected);
        Assert.False(client.TryPublish("edgeiot/v1/zones/z1/tx", "x"u8, 1));
        Assert.False(client.TryPublish("edgeiot/v1/zones/z1/tx", "x"u8, 0));
        Assert.Equal(2, client.PublishFailures);
        Assert.Equal(0, client.PendingPublishes);
    }

    [Fact]
    public async Task PublishAsync_at_QoS0_while_not_connected_fails_with_MqttException()
    {
        await using var client = NewClient();
        await Assert.ThrowsAsync<MqttException>(() => client.PublishAsync("t", "x"u8.ToArray(), 0, CancellationToken.None));
        Assert.Equal(1, client.PublishFailures);
    }

    [Fact]
    public async Task PublishAsync_at_QoS1_before_connecting_is_kept_until_the_client_is_disposed()
    {
        var client = NewClient();
        var pending = client.PublishAsync("t", "x"u8.ToArray(), 1, CancellationToken.None);
        Assert.Equal(1, client.PendingPublishes);
        Assert.False(pending.IsCompleted);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
        Assert.Equal(0, client.PendingPublishes);
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_later_calls_fail_cleanly()
    {
        var client = NewClient();
        var subscribed = client.SubscribeAsync("a/#", 1, CancellationToken.None);
        await client.DisposeAsync();
        await client.DisposeAsync();
        client.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => subscribed);
        Assert.False(client.TryPublish("t", "x"u8, 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PublishAsync("t", default, 1, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SubscribeAsync("t", 0, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ConnectAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ConnectAsync_keeps_trying_an_unreachable_broker_until_cancelled_then_stops_promptly()
    {
        await using var client = NewClient(ClosedPort());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(cts.Token));
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync(CancellationToken.None));
        var disposing = client.DisposeAsync().AsTask();
        Assert.Same(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(5))));
    }

    /// <summary>A loopback port nobody listens on (bound and released, so connects are refused).</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
