using static EdgeIoT.Core.Mqtt.MosquittoNative;

namespace EdgeIoT.Core.Mqtt;

public sealed unsafe partial class MqttClient
{
    /// <summary>Bounds the remembered subscriptions; EdgeIoT processes use a handful.</summary>
    public const int MaxSubscriptions = 1024;

    private sealed class Subscription(string filter, int qos)
    {
        public string Filter { get; } = filter;
        public int Qos { get; set; } = qos;
        /// <summary>Packet id of the SUBSCRIBE awaiting its SUBACK on the current connection, or 0.</summary>
        public int Mid { get; set; }
        public List<TaskCompletionSource>? Waiters { get; set; }
    }

    /// <summary>Every filter ever subscribed, re-sent after each reconnect (a clean session forgets them).
    /// Guarded by <see cref="_subscriptionLock"/>, as is the change of <see cref="_isConnected"/>, so a
    /// subscription is sent either by <see cref="SubscribeAsync"/> or by the reconnect, never missed.</summary>
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Lock _subscriptionLock = new();

    /// <summary>
    /// Subscribes and completes on SUBACK. The subscription is remembered (also before
    /// <see cref="ConnectAsync"/>, and when <paramref name="ct"/> ends the wait) and re-sent after every
    /// reconnect; subscribing again to the same filter updates its QoS.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid filter or QoS.</exception>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxSubscriptions"/> filters.</exception>
    public Task SubscribeAsync(string topicFilter, int qos, CancellationToken ct)
    {
        Span<byte> filterUtf8 = stackalloc byte[MqttTopics.MaxTopicBytes + 1];
        MqttTopics.EncodeTopicFilter(topicFilter, filterUtf8);
        if (qos is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(qos), qos, "MQTT QoS is 0, 1 or 2");
        if (ct.IsCancellationRequested) return Task.FromCanceled(ct);
        if (_disposing) return Task.FromException(new ObjectDisposedException(nameof(MqttClient)));

        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_subscriptionLock)
        {
            if (!_subscriptions.TryGetValue(topicFilter, out var subscription))
            {
                if (_subscriptions.Count >= MaxSubscriptions)
                    throw new InvalidOperationException($"an MqttClient holds at most {MaxSubscriptions} subscriptions");
                subscription = new Subscription(topicFilter, qos);
                _subscriptions.Add(topicFilter, subscription);
            }
            subscription.Qos = qos;
            (subscription.Waiters ??= []).Add(acked);
            if (_isConnected) SendSubscribe(subscription, filterUtf8);
        }
        return ct.CanBeCanceled ? acked.Task.WaitAsync(ct) : acked.Task;
    }

    /// <summary>Caller holds <see cref="_subscriptionLock"/>.</summary>
    private void SendSubscribe(Subscription subscription, ReadOnlySpan<byte> filterUtf8)
    {
        int mid = 0;
        int rc;
        try
        {
            fixed (byte* filter = filterUtf8) rc = mosquitto_subscribe(_handle, &mid, filter, subscription.Qos);
        }
        catch (ObjectDisposedException)
        {
            return; // disposing; the teardown fails the waiters
        }
        subscription.Mid = rc == 0 ? mid : 0;
        // NoConnection: the connection dropped a moment ago, and the next connect re-sends everything.
        if (rc != 0 && rc != (int)MosquittoError.NoConnection)
            MqttLog.SubscribeNotSent(_logger, subscription.Filter, MqttErrors.Describe(rc));
    }

    /// <summary>Network thread, on CONNACK: a clean session starts with no subscriptions.</summary>
    private void MarkConnectedAndResubscribe()
    {
        Span<byte> filterUtf8 = stackalloc byte[MqttTopics.MaxTopicBytes + 1];
        lock (_subscriptionLock)
        {
            _isConnected = true;
            foreach (var subscription in _subscriptions.Values)
            {
                MqttTopics.EncodeTopicFilter(subscription.Filter, filterUtf8);
                SendSubscribe(subscription, filterUtf8);
            }
        }
    }

    /// <summary>Network thread: SUBACK ids of the lost connection will never be answered.</summary>
    private void MarkDisconnected()
    {
        lock (_subscriptionLock)
        {
            _isConnected = false;
            foreach (var subscription in _subscriptions.Values) subscription.Mid = 0;
        }
    }

    /// <summary>Network thread: SUBACK. One filter per SUBSCRIBE, so one granted QoS.</summary>
    private void OnSubscribe(int mid, int grantedCount, int* grantedQos)
    {
        bool refused = grantedCount < 1 || grantedQos[0] == SubackFailure;
        List<TaskCompletionSource>? waiters = null;
        string? filter = null;
        lock (_subscriptionLock)
        {
            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.Mid != mid) continue;
                subscription.Mid = 0;
                waiters = subscription.Waiters;
                subscription.Waiters = null;
                filter = subscription.Filter;
                // A refused filter would be refused again after every reconnect.
                if (refused) _subscriptions.Remove(filter);
                break;
            }
        }
        if (filter is null) return;
        if (refused) MqttLog.SubscriptionRefused(_logger, filter);
        if (waiters is null) return;
        foreach (var waiter in waiters)
        {
            if (refused) waiter.TrySetException(new MqttException($"the broker refused the subscription '{filter}'"));
            else waiter.TrySetResult();
        }
    }

    private void FailSubscriptionWaiters(Exception reason)
    {
        var waiters = new List<TaskCompletionSource>();
        lock (_subscriptionLock)
        {
            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.Waiters is not null) waiters.AddRange(subscription.Waiters);
                subscription.Waiters = null;
            }
        }
        foreach (var waiter in waiters) waiter.TrySetException(reason);
    }
}
