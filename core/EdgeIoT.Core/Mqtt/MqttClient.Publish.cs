using static EdgeIoT.Core.Mqtt.MosquittoNative;

namespace EdgeIoT.Core.Mqtt;

public sealed unsafe partial class MqttClient
{
    /// <summary>Stands in for a libmosquitto return code when the handle was disposed under a publisher.</summary>
    private const int HandleDisposed = int.MinValue;

    /// <summary>
    /// Packet ids of QoS &gt; 0 publishes awaiting PUBACK, each with the task to complete (null for
    /// <see cref="TryPublish"/>). The lock spans mosquitto_publish and the insertion, so an
    /// acknowledgement cannot arrive for an id not yet recorded.
    /// </summary>
    private readonly Dictionary<int, TaskCompletionSource?> _pendingAcks = new();
    private readonly Lock _pendingLock = new();

    /// <summary>QoS &gt; 0 publishes handed to libmosquitto and not yet acknowledged by the broker.</summary>
    public int PendingPublishes
    {
        get { lock (_pendingLock) return _pendingAcks.Count; }
    }

    /// <summary>
    /// Hands a message to libmosquitto without blocking. Returns false, counts and logs the reason when
    /// not connected, when <see cref="MqttClientOptions.MaxPendingPublishes"/> QoS &gt; 0 messages await
    /// acknowledgement, or when libmosquitto refuses; network trouble never throws.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid topic, QoS or payload size (programming errors).</exception>
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain = false)
    {
        Span<byte> topicUtf8 = stackalloc byte[MqttTopics.MaxTopicBytes + 1];
        MqttTopics.EncodeTopicName(topic, topicUtf8);
        ValidatePublish(payload.Length, qos);
        string? refusal = _disposing ? "the client is disposed"
            : !_isConnected ? "not connected"
            : Hand(topicUtf8, payload, qos, retain, ackWaiter: null);
        if (refusal is null) return true;
        CountRefusal(topic, refusal);
        return false;
    }

    /// <summary>
    /// QoS 0 completes once libmosquitto has the message, and fails with <see cref="MqttException"/> while
    /// disconnected. QoS 1 and 2 complete on PUBACK/PUBCOMP; they are accepted while disconnected too,
    /// because libmosquitto keeps them and resends them after reconnecting. Cancelling
    /// <paramref name="ct"/> stops the wait, not the delivery.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid topic, QoS or payload size (programming errors).</exception>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, CancellationToken ct)
    {
        Span<byte> topicUtf8 = stackalloc byte[MqttTopics.MaxTopicBytes + 1];
        MqttTopics.EncodeTopicName(topic, topicUtf8);
        ValidatePublish(payload.Length, qos);
        if (ct.IsCancellationRequested) return Task.FromCanceled(ct);
        if (_disposing) return Task.FromException(new ObjectDisposedException(nameof(MqttClient)));

        TaskCompletionSource? acked = qos == 0 ? null : new(TaskCreationOptions.RunContinuationsAsynchronously);
        string? refusal = qos == 0 && !_isConnected ? "not connected" : Hand(topicUtf8, payload.Span, qos, retain: false, acked);
        if (refusal is not null)
        {
            CountRefusal(topic, refusal);
            return Task.FromException(new MqttException($"MQTT publish to '{topic}' refused: {refusal}"));
        }
        if (acked is null) return Task.CompletedTask;
        return ct.CanBeCanceled ? acked.Task.WaitAsync(ct) : acked.Task;
    }

    private void ValidatePublish(int payloadBytes, int qos)
    {
        if (qos is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(qos), qos, "MQTT QoS is 0, 1 or 2");
        if (payloadBytes > _options.MaxPayloadBytes)
            throw new ArgumentException($"payload of {payloadBytes} bytes exceeds MaxPayloadBytes {_options.MaxPayloadBytes}", "payload");
    }

    /// <returns>Null when libmosquitto took the message, otherwise why it did not.</returns>
    private string? Hand(ReadOnlySpan<byte> topicUtf8, ReadOnlySpan<byte> payload, int qos, bool retain, TaskCompletionSource? ackWaiter)
    {
        int rc;
        int mid;
        if (qos == 0)
        {
            rc = PublishNative(topicUtf8, payload, qos, retain, out _);
            return rc == 0 ? null : DescribePublishError(rc);
        }
        lock (_pendingLock)
        {
            if (_pendingAcks.Count >= _options.MaxPendingPublishes)
                return $"{_pendingAcks.Count} publishes await acknowledgement (MaxPendingPublishes)";
            rc = PublishNative(topicUtf8, payload, qos, retain, out mid);
            // For QoS > 0, NoConnection means libmosquitto queued the message and will send it after
            // reconnecting; the broker's acknowledgement then arrives as usual.
            if (rc != 0 && rc != (int)MosquittoError.NoConnection) return DescribePublishError(rc);
            _pendingAcks[mid] = ackWaiter;
        }
        return null;
    }

    private int PublishNative(ReadOnlySpan<byte> topicUtf8, ReadOnlySpan<byte> payload, int qos, bool retain, out int mid)
    {
        int id = 0;
        try
        {
            fixed (byte* topicPtr = topicUtf8)
            fixed (byte* payloadPtr = payload)
            {
                int rc = mosquitto_publish(_handle, &id, topicPtr, payload.Length, payloadPtr, qos, retain);
                mid = id;
                return rc;
            }
        }
        catch (ObjectDisposedException)
        {
            // DisposeAsync closed the handle between our disposed check and this call.
            mid = 0;
            return HandleDisposed;
        }
    }

    private static string DescribePublishError(int rc) =>
        rc == HandleDisposed ? "the client is disposed" : "libmosquitto refused: " + MqttErrors.Describe(rc);

    private void CountRefusal(string topic, string reason)
    {
        long failures = Interlocked.Increment(ref _publishFailures);
        MqttLog.PublishRefused(_logger, MqttLog.Throttled(failures), topic, reason, failures);
    }

    /// <summary>Network thread: PUBACK (QoS 1), PUBCOMP (QoS 2) or, for QoS 0, the packet was written.</summary>
    private void OnPublish(int mid)
    {
        TaskCompletionSource? waiter;
        lock (_pendingLock)
        {
            if (!_pendingAcks.Remove(mid, out waiter)) return;
        }
        waiter?.TrySetResult();
    }

    private void FailPendingPublishes(Exception reason)
    {
        TaskCompletionSource?[] waiters;
        lock (_pendingLock)
        {
            waiters = [.. _pendingAcks.Values];
            _pendingAcks.Clear();
        }
        foreach (var waiter in waiters) waiter?.TrySetException(reason);
    }
}
