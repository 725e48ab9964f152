using EdgeIoT.Bench.Cluster;

namespace EdgeIoT.Bench.Tests;

public sealed class ClusterWireTests
{
    [Fact]
    public void Requests_replies_and_accepts_round_trip()
    {
        var request = ClusterWire.Request(new RequestId(7, 42), payloadBytes: 5);
        Assert.Equal((byte)ClusterFrame.Request, request[0]);
        Assert.True(ClusterWire.TryParseRequest(request.AsSpan(1), out var id));
        Assert.Equal(new RequestId(7, 42), id);

        var replies = ClusterWire.Replies([new RequestId(1, 2), new RequestId(3, 4)]);
        var parsed = new List<RequestId>();
        Assert.True(ClusterWire.TryParseReplies(replies.AsSpan(1), parsed));
        Assert.Equal([new RequestId(1, 2), new RequestId(3, 4)], parsed);

        var accept = ClusterWire.Accept(9, [request[1..], ClusterWire.Request(new RequestId(8, 1), 0)[1..]]);
        var requests = new List<byte[]>();
        Assert.True(ClusterWire.TryParseAccept(accept.AsSpan(1), out var slot, requests));
        Assert.Equal(9UL, slot);
        Assert.Equal(2, requests.Count);
        Assert.Equal(request[1..], requests[0]);
    }

    [Fact]
    public void Truncated_or_padded_frames_do_not_parse()
    {
        Assert.False(ClusterWire.TryParseRequest(new byte[11], out _));
        var replies = ClusterWire.Replies([new RequestId(1, 2)]);
        Assert.False(ClusterWire.TryParseReplies(replies.AsSpan(1, replies.Length - 2), []));
        var accept = ClusterWire.Accept(1, [new byte[20]]);
        Assert.False(ClusterWire.TryParseAccept(accept.AsSpan(1, accept.Length - 2), out _, []));
        Assert.False(ClusterWire.TryParseAccept([.. accept.AsSpan(1), 0], out _, []));
        Assert.False(ClusterWire.TryParseSlot(new byte[7], out _));
    }
}
