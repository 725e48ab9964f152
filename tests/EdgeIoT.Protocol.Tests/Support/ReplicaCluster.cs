using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using Google.Protobuf;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Protocol.Tests.Support;

/// <summary>
/// A zone's replicas wired through an in-memory network that authenticates every message exactly as
/// the gateway host does. Delivery order is chosen by a seeded PRNG; tests may intercept messages.
/// </summary>
internal sealed class ReplicaCluster
{
    private readonly TestNetwork _network;
    private readonly Random _random;
    private readonly List<(int From, int To, PeerMessage Message)> _inFlight = [];
    private readonly PeerMessageAuthenticator _authenticator;

    public PbftReplica[] Replicas { get; }
    public List<CommittedBatch>[] Committed { get; }
    /// <summary>Return false to drop a message (from, to, message).</summary>
    public Func<int, int, PeerMessage, bool> Filter { get; set; } = (_, _, _) => true;
    public int AuthenticationFailures { get; private set; }
    public string? LastAuthenticationFailure { get; private set; }

    public ReplicaCluster(TestNetwork network, int seed = 1)
    {
        _network = network;
        _random = new Random(seed);
        _authenticator = new PeerMessageAuthenticator(network.Zone, network.VerifierKey.PublicKey, network.Registry.Protocol);
        Replicas = network.GatewayKeys.Select((key, i) => new PbftReplica(new ReplicaOptions { Zone = network.Zone, SelfIndex = i, Protocol = network.Registry.Protocol }, key)).ToArray();
        Committed = Replicas.Select(_ => new List<CommittedBatch>()).ToArray();
    }

    public ClientRequest Request(byte[] raw)
    {
        if (!DeviceTransaction.TryDecode(raw, _network.Registry, 4096, out var tx, out var rejection))
            throw new InvalidOperationException(rejection.ToString());
        return new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp);
    }

    /// <summary>Every replica receives the request (as from MQTT).</summary>
    public void ProposeToAll(ClientRequest request)
    {
        foreach (var replica in Replicas) replica.Propose(request);
        Collect();
    }

    public void Inject(int from, int to, PeerMessage message) => _inFlight.Add((from, to, message));

    /// <summary>Replicas that are down: they receive nothing and send nothing.</summary>
    public HashSet<int> Crashed { get; } = [];

    /// <summary>Ticks every live replica once and delivers everything, <paramref name="ticks"/> times.</summary>
    public void RunFor(int ticks)
    {
        for (var t = 0; t < ticks; t++)
        {
            for (var i = 0; i < Replicas.Length; i++)
                if (!Crashed.Contains(i)) Replicas[i].Tick();
            Collect();
            Run();
        }
    }

    /// <summary>Rebuilds replica <paramref name="index"/> from everything it persisted (a process restart).</summary>
    public void Restart(int index)
    {
        PersistedView? view = null;
        var entries = new Dictionary<ulong, PersistedEntry>();
        foreach (var ready in Persisted[index])
        {
            if (ready.PruneThrough is { } prune)
                foreach (var seq in entries.Keys.Where(s => s <= prune).ToList()) entries.Remove(seq);
            foreach (var (seq, entry) in ready.PersistEntries) entries[seq] = entry;
            if (ready.PersistView is { } v) view = v;
        }
        var replica = new PbftReplica(new ReplicaOptions { Zone = _network.Zone, SelfIndex = index, Protocol = _network.Registry.Protocol }, _network.GatewayKeys[index]);
        replica.Restore(view, entries.Values.ToList());
        Replicas[index] = replica;
        Crashed.Remove(index);
        Collect();
    }

    public void Tick(int ticks = 1)
    {
        for (var t = 0; t < ticks; t++)
            foreach (var replica in Replicas) replica.Tick();
        Collect();
    }

    /// <summary>Delivers messages in random order until none is in flight.</summary>
    public void Run(int maxDeliveries = 1_000_000)
    {
        for (var delivered = 0; _inFlight.Count > 0; delivered++)
        {
            if (delivered >= maxDeliveries) throw new InvalidOperationException("network did not quiesce");
            var index = _random.Next(_inFlight.Count);
            var (from, to, message) = _inFlight[index];
            _inFlight[index] = _inFlight[^1];
            _inFlight.RemoveAt(_inFlight.Count - 1);
            if (Crashed.Contains(to) || Crashed.Contains(from)) continue;
            if (!_authenticator.TryAuthenticate(from, message, out var why))
            {
                AuthenticationFailures++;
                LastAuthenticationFailure = why;
                continue;
            }
            Replicas[to].Step(from, message);
            Collect();
        }
    }

    private void Collect()
    {
        for (var i = 0; i < Replicas.Length; i++)
        {
            var ready = Replicas[i].TakeReady();
            if (Persisted.Length == 0) Persisted = Replicas.Select(_ => new List<ReplicaReady>()).ToArray();
            Persisted[i].Add(ready);
            Committed[i].AddRange(ready.Committed);
            foreach (var outbound in ready.Messages)
            {
                for (var to = 0; to < Replicas.Length; to++)
                {
                    if (to == i || (outbound.To is { } target && target != to)) continue;
                    if (Filter(i, to, outbound.Message)) _inFlight.Add((i, to, outbound.Message));
                }
            }
        }
    }

    public void DecideEverywhere(ulong seq, IEnumerable<Bytes32> txDigests)
    {
        var digests = txDigests.ToArray();
        var proof = DecidedProof(_network, seq);
        foreach (var replica in Replicas) replica.OnDecided(seq, digests, proof);
        Collect();
    }

    /// <summary>A verifier-signed DECIDED notice for <paramref name="seq"/>: the proof of h a view change carries.</summary>
    public static byte[] DecidedProof(TestNetwork network, ulong seq) =>
        Core.Quorum.SignedMessages.Sign(new VerifierNotice { Decided = new Decided { Zone = "z1", Seq = seq } }, SignatureDomain.VerifierNotice, 0, network.VerifierKey).ToByteArray();

    /// <summary>Messages in flight (for tests that inspect or drop them).</summary>
    public IReadOnlyList<(int From, int To, PeerMessage Message)> InFlight => _inFlight;

    /// <summary>Everything each replica persisted, as its host would have written it.</summary>
    public List<ReplicaReady>[] Persisted { get; private set; } = [];
}
