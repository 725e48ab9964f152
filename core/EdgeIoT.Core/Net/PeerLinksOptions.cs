namespace EdgeIoT.Core.Net;

/// <summary>Limits and timings of the links between the gateways of a zone. Every queue and buffer is bounded here.</summary>
public sealed class PeerLinksOptions
{
    /// <summary>Largest frame on the wire, header included; a payload may be <see cref="PeerFrame.HeaderSize"/> bytes less.
    /// Every gateway of a zone must use the same value: a receiver drops a connection that sends a larger frame.</summary>
    public int MaxFrameBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Frames waiting per destination; <see cref="PeerLinks.Send"/> refuses beyond it rather than block consensus.</summary>
    public int QueueCapacity { get; init; } = 4096;

    public int ReconnectDelayMinMs { get; init; } = 50;
    public int ReconnectDelayMaxMs { get; init; } = 2000;
    public int ConnectTimeoutMs { get; init; } = 3000;

    /// <summary>Frames are gathered into socket writes of up to this many bytes (a larger frame goes alone).</summary>
    public int WriteCoalesceBytes { get; init; } = 64 * 1024;

    /// <summary>Receive buffer of a connection; it grows up to <see cref="MaxFrameBytes"/> only for a larger frame.</summary>
    public int ReceiveBufferBytes { get; init; } = 64 * 1024;

    /// <summary>An inbound connection must authenticate (its first frame) within this time, or it is closed.</summary>
    public int InboundAuthTimeoutMs { get; init; } = 5000;

    /// <summary>Inbound connections not yet authenticated; more are closed at once, so strangers cannot exhaust sockets.</summary>
    public int MaxUnauthenticatedInbound { get; init; } = 16;

    /// <summary>A peer that stops acknowledging (TCP_USER_TIMEOUT) or answering keepalives this long is considered gone.</summary>
    public int DeadPeerTimeoutMs { get; init; } = 15_000;

    /// <summary>Bound on the wait for background loops in DisposeAsync; a handler stuck longer is abandoned, not awaited.</summary>
    public int DisposeTimeoutMs { get; init; } = 5000;

    /// <summary>
    /// Extra one-way delay added to every frame, for emulating wide-area links on a machine without netem.
    /// Frames are held in the writer until due, in order. Ignored when <see cref="SendDelayMsFor"/> is set.
    /// Held frames occupy the queue, so a link carries at most QueueCapacity frames per delay period.
    /// </summary>
    public int SendDelayMs { get; init; }

    /// <summary>Extra one-way delay per destination gateway index; evaluated once per frame when it is queued.</summary>
    public Func<int, int>? SendDelayMsFor { get; init; }

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (MaxFrameBytes < PeerFrame.HeaderSize + 1) problems.Add($"MaxFrameBytes must be at least {PeerFrame.HeaderSize + 1}");
        if (QueueCapacity < 1) problems.Add("QueueCapacity must be at least 1");
        if (ReconnectDelayMinMs < 1) problems.Add("ReconnectDelayMinMs must be at least 1");
        if (ReconnectDelayMaxMs < ReconnectDelayMinMs) problems.Add("ReconnectDelayMaxMs must be at least ReconnectDelayMinMs");
        if (ConnectTimeoutMs < 1) problems.Add("ConnectTimeoutMs must be at least 1");
        if (WriteCoalesceBytes < PeerFrame.HeaderSize) problems.Add($"WriteCoalesceBytes must be at least {PeerFrame.HeaderSize}");
        if (ReceiveBufferBytes < PeerFrame.HeaderSize) problems.Add($"ReceiveBufferBytes must be at least {PeerFrame.HeaderSize}");
        if (InboundAuthTimeoutMs < 1) problems.Add("InboundAuthTimeoutMs must be at least 1");
        if (MaxUnauthenticatedInbound < 1) problems.Add("MaxUnauthenticatedInbound must be at least 1");
        if (DeadPeerTimeoutMs < 1000) problems.Add("DeadPeerTimeoutMs must be at least 1000");
        if (DisposeTimeoutMs < 0) problems.Add("DisposeTimeoutMs must not be negative");
        if (SendDelayMs < 0) problems.Add("SendDelayMs must not be negative");
        return problems;
    }

    internal int DelayMsFor(int toIndex) => Math.Max(0, SendDelayMsFor?.Invoke(toIndex) ?? SendDelayMs);
}
