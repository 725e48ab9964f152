using static EdgeIoT.Core.Mqtt.MosquittoNative;

namespace EdgeIoT.Core.Mqtt;

public sealed unsafe partial class MqttClient
{
    /// <summary>Stands in for a libmosquitto return code when the handle was disposed under a publisher.</summary>
    private const int HandleDisposed = int.MinValue;

    /// <summary>
    /// libmosquitto draws packet ids from one 16-bit counter (1..65535, shared with SUBSCRIBE) and does
    /// not skip ids still in use: a new QoS 1 message with the id of an unacknowledged one silently
    /// replaces it, and a QoS 0 write-completion would be taken for the older message's PUBACK. So no
    /// publish is handed over while the oldest unfinished one is this many ids old; the gap to 65,535
    /// leaves room for SUBSCRIBEs.
    /// </summary>
    private const long PacketIdReuseGuard = 60_000;

    /// <summary>A publish handed to libmosquitto whose on_publish has not fired yet.</summary>
    private readonly record struct Unfinished(TaskCompletionSource? Waiter, long Sequence, bool AtMostOnce);

    /// <summary>
    /// Every publish handed to libmosquitto and not finished: QoS 0 until written to the socket, QoS
    /// 1/2 until PUBACK/PUBCOMP. Keyed by packet id. The lock spans mosquitto_publish and the insertion,
    /// so on_publish cannot fire for an id not yet recorded.
    /// </summary>
    private readonly Dictionary<int, Unfinished> _unfinished = new();
    private readonly Queue<(int Mid, long Sequence)> _publishOrder = new();
    private readonly Lock _publishLock = new();
    private long _publishSequence;

    /// <summary>Publishes handed to libmosquitto and not yet written (QoS 0) or acknowledged by the broker (QoS 1, 2).</summary>
    public int PendingPublishes
    {
        get { lock (_publishLock) return _unfinished.Count; }
    }

    /// <summary>
    /// Hands a message to libmosquitto without blocking. Returns false, counts and logs the reason when
    /// not connected, when <see cref="MqttClientOptions.MaxPendingPublishes"/> publishes are unfinished
    /// (the broker is slow or unreachable), or when libmosquitto refuses; network trouble never throws.
    /// The payload is copied before this returns.
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
    /// <paramref name="ct"/> stops the wait, not the delivery. The payload is copied before this returns.
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
        lock (_publishLock)
        {
            if (_unfinished.Count >= _options.MaxPendingPublishes)
                return $"{_unfinished.Count} publishes are unfinished (MaxPendingPublishes)";
            long oldest = OldestUnfinishedSequence();
            if (_publishSequence - oldest >= PacketIdReuseGuard)
                return $"the oldest unacknowledged publish is {_publishSequence - oldest} packet ids old; a new one could reuse its id";
            int rc = PublishNative(topicUtf8, payload, qos, retain, out int mid);
            if (rc == HandleDisposed) return DescribePublishError(rc);
            long sequence = _publishSequence++;
            // For QoS > 0, NoConnection means libmosquitto queued the message and sends it after
            // reconnecting; its acknowledgement then arrives as usual.
            if (rc != 0 && (qos == 0 || rc != (int)MosquittoError.NoConnection)) return DescribePublishError(rc);
            if (_unfinished.TryGetValue(mid, out var displaced))
            {
                // Only possible if SUBSCRIBEs consumed the guard's margin; never leave a waiter hanging.
                displaced.Waiter?.TrySetException(new MqttException($"packet id {mid} was reused before its acknowledgement; delivery unknown"));
            }
            _unfinished[mid] = new Unfinished(ackWaiter, sequence, AtMostOnce: qos == 0);
            _publishOrder.Enqueue((mid, sequence));
            return null;
        }
    }

    /// <summary>Caller holds <see cref="_publishLock"/>. Amortized O(1): finished heads are dropped lazily.</summary>
    private long OldestUnfinishedSequence()
    {
        while (_publishOrder.TryPeek(out var head))
        {
            if (_unfinished.TryGetValue(head.Mid, out var entry) && entry.Sequence == head.Sequence) return head.Sequence;
            _publishOrder.Dequeue();
        }
        return _publishSequence;
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
        Unfinished entry;
        lock (_publishLock)
        {
            if (!_unfinished.Remove(mid, out entry)) return;
        }
        entry.Waiter?.TrySetResult();
    }

    /// <summary>
    /// Network thread, on CONNACK: libmosquitto discards unwritten QoS 0 packets when it reconnects,
    /// so their on_publish will never come. QoS 1/2 messages stay; libmosquitto resends them.
    /// </summary>
    private void ForgetUnwrittenAtMostOnce()
    {
        lock (_publishLock)
        {
            foreach (var (mid, entry) in _unfinished)
                if (entry.AtMostOnce) _unfinished.Remove(mid);
        }
    }

    private void FailPendingPublishes(Exception reason)
    {
        Unfinished[] entries;
        lock (_publishLock)
        {
            entries = [.. _unfinished.Values];
            _unfinished.Clear();
            _publishOrder.Clear();
        }
        foreach (var entry in entries) entry.Waiter?.TrySetException(reason);
    }
}
