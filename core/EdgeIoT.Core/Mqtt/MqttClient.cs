using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeIoT.Core.Mqtt.MosquittoNative;

namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// MQTT 3.1.1 client over libmosquitto's threaded interface. libmosquitto owns one network thread per
/// client: it reads, writes, keeps the connection alive and reconnects with backoff; every callback
/// (<see cref="MessageReceived"/>, <see cref="Connected"/>, <see cref="Disconnected"/>) runs on it, so
/// handlers must be quick and must not block on this client.
/// </summary>
/// <remarks>
/// Publishing and subscribing are safe from any number of threads: libmosquitto guards its queues with
/// its own mutexes once the threaded loop runs (mosquitto.h, "Threads"), and this class adds one short
/// lock to pair each packet id with its completion.
/// MQTT 3.1.1 rather than 5: the only MQTT 5 gain here would be a broker-side maximum packet size, and
/// the second broker EdgeIoT checks against (aedes) speaks only 3.1.1.
/// A client must be disposed: until then libmosquitto holds a handle to it and its thread keeps running.
/// </remarks>
public sealed partial class MqttClient : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// How long Dispose waits for the network thread. Only a reconnect stuck in a blocking TCP connect
    /// to an unreachable host takes longer; the teardown then finishes in the background.
    /// </summary>
    private const int DisposeWaitMs = 10_000;

    private readonly MqttClientOptions _options;
    private readonly string _displayId;
    private readonly ILogger _logger;
    private readonly MosquittoHandle _handle;

    /// <summary>Serializes starting and stopping the network thread. Never taken on the network thread,
    /// because stopping joins that thread.</summary>
    private readonly Lock _lifecycleLock = new();
    private bool _connectStarted;
    private bool _loopRunning;

    private readonly TaskCompletionSource _firstConnack = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _isConnected;
    private volatile bool _disposing;
    /// <summary>Cancelled when disposal starts, to end a pending ConnectAsync. Not disposed: it has no
    /// timer, and a late ConnectAsync must still be able to link to it.</summary>
    private readonly CancellationTokenSource _disposed = new();
    private Task? _teardown;

    private long _connections;
    private long _publishFailures;
    private long _messagesReceived;
    private long _oversizedDropped;
    private long _handlerFailures;

    public MqttClient(MqttClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _displayId = _options.ClientId.Length > 0 ? _options.ClientId : "(random id)";
        _logger = logger ?? NullLogger.Instance;
        MosquittoNative.EnsureInitialized();

        var self = GCHandle.Alloc(this);
        nint mosq = mosquitto_new(_options.ClientId.Length > 0 ? _options.ClientId : null, _options.CleanSession, GCHandle.ToIntPtr(self));
        if (mosq == 0)
        {
            self.Free();
            throw new MqttException(MosquittoError.NoMemory, "mosquitto_new failed");
        }
        _handle = new MosquittoHandle(mosq, self);
        try
        {
            Configure();
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>Called for every accepted inbound message, on the network thread. Exceptions are caught and counted.</summary>
    public Action<MqttMessage>? MessageReceived { get; set; }

    /// <summary>Raised on the network thread after every successful CONNACK, after subscriptions were re-sent.</summary>
    public event Action? Connected;

    /// <summary>Raised on the network thread when an established connection ends; the argument is the
    /// libmosquitto reason (0 when this client asked to disconnect).</summary>
    public event Action<int>? Disconnected;

    public bool IsConnected => _isConnected;

    /// <summary>Successful CONNACKs so far; more than one means the client has reconnected.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Publishes refused (not connected, too many pending, libmosquitto error).</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    /// <summary>Inbound messages seen, including dropped ones.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>Inbound messages dropped for exceeding <see cref="MqttClientOptions.MaxPayloadBytes"/>.</summary>
    public long OversizedMessagesDropped => Interlocked.Read(ref _oversizedDropped);

    /// <summary>Exceptions thrown by <see cref="MessageReceived"/>, <see cref="Connected"/> or <see cref="Disconnected"/> handlers.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>
    /// Completes on the first successful CONNACK and starts the network thread, which from then on
    /// reconnects by itself. While the broker is unreachable it keeps trying until
    /// <paramref name="ct"/> is cancelled. If this fails or is cancelled the client stops trying and
    /// should be disposed; it can be called only once per client.
    /// </summary>
    /// <exception cref="MqttConnectionRefusedException">The broker refused for a reason retrying cannot fix.</exception>
    public async Task ConnectAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            if (_connectStarted) throw new InvalidOperationException("ConnectAsync may be called only once per MqttClient");
            _connectStarted = true;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
        try
        {
            await StartNetworkThreadAsync(stop.Token).ConfigureAwait(false);
            await _firstConnack.Task.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(MqttClient));
        }
        catch (Exception e) when (e is OperationCanceledException or MqttException)
        {
            // The caller has given up on this client: stop retrying in the background.
            await Task.Run(StopLoop, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Retries mosquitto_connect_async until it has a connection under way, then starts the network
    /// thread. libmosquitto's thread idles until a connect attempt has got that far and never retries a
    /// connect that failed at once (loopback answers a closed port immediately), so the first attempts
    /// are ours; later reconnects are libmosquitto's.
    /// </summary>
    private async Task StartNetworkThreadAsync(CancellationToken ct)
    {
        int delayMs = _options.ReconnectDelayMinMs;
        for (int attempt = 1; ; attempt++)
        {
            int rc;
            lock (_lifecycleLock)
            {
                ObjectDisposedException.ThrowIf(_disposing, this);
                rc = mosquitto_connect_async(_handle, _options.Host, _options.Port, _options.KeepAliveSeconds);
                if (rc == 0)
                {
                    Check(mosquitto_loop_start(_handle), "start the MQTT network thread");
                    _loopRunning = true;
                    return;
                }
            }
            if (!MqttErrors.IsTransient((MosquittoError)rc))
                throw new MqttException((MosquittoError)rc, $"cannot connect to {_options.Host}:{_options.Port}");
            if (attempt == 1) MqttLog.ConnectPending(_logger, _options.Host, _options.Port, MqttErrors.Describe(rc));
            else MqttLog.ConnectAttemptFailed(_logger, _options.Host, _options.Port, MqttErrors.Describe(rc));
            await Task.Delay(delayMs, ct).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, _options.ReconnectDelayMaxMs);
        }
    }

    /// <summary>Disconnects, stops the network thread and frees native memory. Idempotent; pending
    /// operations fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _disposed.Cancel();
        var teardown = new Task(Teardown);
        var running = Interlocked.CompareExchange(ref _teardown, teardown, null);
        if (running is null)
        {
            teardown.Start(TaskScheduler.Default);
            running = teardown;
        }
        // On our own network thread the teardown has to wait for this callback to return, so waiting
        // for it here would deadlock.
        if (t_dispatching == this) return;
        try
        {
            await running.WaitAsync(TimeSpan.FromMilliseconds(DisposeWaitMs)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            MqttLog.DisposeSlow(_logger, _displayId, DisposeWaitMs);
        }
    }

    public void Dispose()
    {
        var pending = DisposeAsync();
        if (!pending.IsCompleted) pending.AsTask().GetAwaiter().GetResult();
    }

    private unsafe void Configure()
    {
        Check(mosquitto_int_option(_handle, OptProtocolVersion, ProtocolV311), "select MQTT 3.1.1");
        Check(mosquitto_int_option(_handle, OptSendMaximum, _options.MaxInflightMessages), "set the in-flight window");
        int rc = mosquitto_int_option(_handle, OptTcpNoDelay, 1);
        if (rc != 0) MqttLog.NoDelayUnavailable(_logger, _displayId, MqttErrors.Describe(rc));
        Check(mosquitto_reconnect_delay_set(_handle,
            MqttClientOptions.ToWholeSeconds(_options.ReconnectDelayMinMs),
            MqttClientOptions.ToWholeSeconds(_options.ReconnectDelayMaxMs),
            exponentialBackoff: true), "set the reconnect delay");
        if (_options.Username is not null)
            Check(mosquitto_username_pw_set(_handle, _options.Username, _options.Password), "set credentials");

        mosquitto_connect_callback_set(_handle, &OnConnectNative);
        mosquitto_disconnect_callback_set(_handle, &OnDisconnectNative);
        mosquitto_publish_callback_set(_handle, &OnPublishNative);
        mosquitto_message_callback_set(_handle, &OnMessageNative);
        mosquitto_subscribe_callback_set(_handle, &OnSubscribeNative);
        // libmosquitto formats a line for every packet when a log callback is set; skip that cost
        // unless someone reads debug output.
        if (_logger.IsEnabled(LogLevel.Debug))
            mosquitto_log_callback_set(_handle, &OnLogNative);
    }

    private static void Check(int rc, string operation)
    {
        if (rc != 0) throw new MqttException((MosquittoError)rc, $"cannot {operation}");
    }

    private void StopLoop()
    {
        lock (_lifecycleLock)
        {
            if (!_loopRunning) return;
            // Also when not connected: it marks the client as disconnecting, which ends the reconnect
            // loop; loop_stop then wakes the thread and joins it.
            int rc = mosquitto_disconnect(_handle);
            if (rc is not (0 or (int)MosquittoError.NoConnection))
                MqttLog.TeardownStep(_logger, _displayId, "mosquitto_disconnect", MqttErrors.Describe(rc));
            // Never force: pthread_cancel could unwind the thread while it runs managed code.
            rc = mosquitto_loop_stop(_handle, force: false);
            if (rc != 0) MqttLog.TeardownStep(_logger, _displayId, "mosquitto_loop_stop", MqttErrors.Describe(rc));
            _loopRunning = false;
            _isConnected = false;
        }
    }

    private void Teardown()
    {
        try
        {
            StopLoop();
        }
        finally
        {
            // Destroys the native client (once no publisher is inside a native call) and then frees
            // the GCHandle; no callback can run any more because the network thread has ended.
            _handle.Dispose();
            var disposed = new ObjectDisposedException(nameof(MqttClient));
            if (_firstConnack.TrySetException(disposed))
                _ = _firstConnack.Task.Exception; // observed: nobody may be waiting for a connect any more
            FailPendingPublishes(disposed);
            FailSubscriptionWaiters(disposed);
        }
    }
}
