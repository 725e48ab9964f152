using System.Buffers.Binary;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Featherweight checkpoints (serverlessbft §5.2.1): gateways execute nothing and store no data, so a
/// checkpoint is only a signed digest of the certificates committed since the previous one. 2f+1
/// matching checkpoints make it stable. A gateway kept in the dark (D1) sees a stable checkpoint beyond
/// what it committed and fetches the missing batches with their commit certificates from a peer, so it
/// can still clear its request timers and, should it become primary, spawn executors for them.
/// </summary>
public sealed partial class PbftReplica
{
    public const int MaxEntriesPerFetch = 256;
    private readonly SortedDictionary<ulong, Bytes32> _committedDigests = new();
    private readonly SortedDictionary<ulong, Dictionary<Bytes32, HashSet<int>>> _checkpointVotes = new();
    private ulong _committedFrontier;
    private ulong _lastOwnCheckpoint;
    private int _fetchRotation;

    /// <summary>The highest stable checkpoint (2f+1 matching CHECKPOINT messages).</summary>
    public ulong StableCheckpoint { get; private set; }

    /// <summary>All sequence numbers up to here are committed at this replica (or decided).</summary>
    public ulong CommittedFrontier => Math.Max(_committedFrontier, LowWatermark);

    private void OnCommittedForCheckpoint(LogEntry entry)
    {
        _committedDigests[entry.Seq] = entry.CommittedBatch!.Digest;
        var interval = (ulong)_options.Protocol.CheckpointInterval;
        _committedFrontier = Math.Max(_committedFrontier, LowWatermark);
        while (_log.TryGetValue(_committedFrontier + 1, out var next) && next.Committed) _committedFrontier++;
        for (var boundary = (_lastOwnCheckpoint / interval + 1) * interval; boundary <= _committedFrontier; boundary += interval)
        {
            _lastOwnCheckpoint = boundary;
            if (CheckpointDigest(boundary) is not { } digest) continue; // some of the interval was decided before we committed it
            var body = new Checkpoint { Zone = _zone, Seq = boundary, Digest = ByteString.CopyFrom(digest.ToArray()) };
            var signed = SignedMessages.Sign(body, SignatureDomain.Checkpoint, Self, _key);
            RecordCheckpointVote(Self, boundary, digest);
            Broadcast(new PeerMessage { Checkpoint = signed });
        }
    }

    /// <summary>SHA-256 over (u64be seq || batch digest) for each seq of the interval ending at <paramref name="boundary"/>.</summary>
    private Bytes32? CheckpointDigest(ulong boundary)
    {
        var interval = (ulong)_options.Protocol.CheckpointInterval;
        var hash = new Sha256Hasher(stackalloc byte[Sha256Digest.StateBytes]);
        Span<byte> buffer = stackalloc byte[8 + Bytes32.Size];
        for (var seq = boundary - interval + 1; seq <= boundary; seq++)
        {
            if (!_committedDigests.TryGetValue(seq, out var digest)) return null;
            BinaryPrimitives.WriteUInt64BigEndian(buffer, seq);
            digest.CopyTo(buffer[8..]);
            hash.Append(buffer);
        }
        return hash.Finish();
    }

    private void OnCheckpoint(int from, Signed signed)
    {
        if (!SignedMessages.TryParse(Checkpoint.Parser, signed.Body.Span, out var body) || !Bytes32.TryCreate(body.Digest.Span, out var digest)) return;
        // Bounded: only checkpoints above the stable one and within two windows of h are kept.
        if (body.Seq <= StableCheckpoint || body.Seq > HighWatermark + (ulong)_options.Protocol.WindowBatches) { Metrics.OutsideWindow++; return; }
        var votes = RecordCheckpointVote(from, body.Seq, digest);
        if (votes >= _options.F + 1 && CommittedFrontier < body.Seq && _fetchedThrough < body.Seq)
        {
            // At least one correct gateway committed up to here and we did not: we were kept in the
            // dark (D1). Fetch from the gateways that vouched for it, rotating in case one is faulty;
            // the certificates make the answer self-verifying, so f+1 vouchers suffice (a primary that
            // excludes us withholds its own checkpoint too).
            _fetchedThrough = body.Seq;
            var vouchers = _checkpointVotes[body.Seq][digest].Where(i => i != Self).ToList();
            var peer = vouchers[_fetchRotation++ % vouchers.Count];
            Send(peer, new PeerMessage { Fetch = new FetchCommitted { FromSeq = CommittedFrontier, ToSeq = body.Seq } });
        }
        if (votes < _options.Quorum) return;
        StableCheckpoint = body.Seq;
        Metrics.CheckpointsStable++;
        foreach (var old in _checkpointVotes.Keys.Where(s => s <= StableCheckpoint).ToList()) _checkpointVotes.Remove(old);
    }

    private ulong _fetchedThrough;

    private int RecordCheckpointVote(int from, ulong seq, Bytes32 digest)
    {
        if (!_checkpointVotes.TryGetValue(seq, out var byDigest)) _checkpointVotes[seq] = byDigest = new();
        foreach (var (other, voters) in byDigest)
            if (other != digest) voters.Remove(from); // one vote per replica per checkpoint
        if (!byDigest.TryGetValue(digest, out var set)) byDigest[digest] = set = new HashSet<int>();
        set.Add(from);
        return set.Count;
    }

    private void PruneCheckpoints(ulong decided)
    {
        var interval = (ulong)_options.Protocol.CheckpointInterval;
        var keepFrom = Math.Min(decided, StableCheckpoint) > interval ? Math.Min(decided, StableCheckpoint) - interval : 0;
        foreach (var old in _committedDigests.Keys.TakeWhile(s => s <= keepFrom).ToList()) _committedDigests.Remove(old);
        _committedFrontier = Math.Max(_committedFrontier, decided);
    }

    private void OnFetch(int from, FetchCommitted request)
    {
        var reply = new CommittedEntries();
        foreach (var entry in _log.Values)
        {
            if (entry.Seq <= request.FromSeq || entry.Seq > request.ToSeq || entry.CommittedBatch is not { } committed) continue;
            reply.Entries.Add(new CommittedEntry { Seq = entry.Seq, Batch = committed.Batch, Certificate = committed.Certificate });
            if (reply.Entries.Count >= MaxEntriesPerFetch) break;
        }
        if (reply.Entries.Count > 0) Send(from, new PeerMessage { Committed = reply });
    }

    /// <summary>Committed batches with certificates the authenticator checked: adopt those we lack.</summary>
    private void OnCommittedEntries(CommittedEntries entries)
    {
        foreach (var item in entries.Entries)
        {
            if (!InWindow(item.Seq) || item.Batch is null || item.Certificate is null) continue;
            var entry = Entry(item.Seq);
            if (entry.Committed) continue;
            var txDigests = Batches.TxDigests(item.Batch);
            Metrics.BatchesCaughtUp++;
            MarkCommitted(entry, new CommittedBatch(item.Seq, item.Certificate.View, Batches.Digest(txDigests), item.Batch, txDigests, item.Certificate));
        }
    }
}
