using EdgeIoT.Wire;

namespace EdgeIoT.Bench.Cluster;

/// <summary>One input for a replica's loop: a peer frame, a client request, or elapsed ticks.</summary>
internal readonly record struct ReplicaInput(int From, ClusterFrame Kind, ReadOnlyMemory<byte> Body, PeerMessage? Pbft = null, int Ticks = 0);
