using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// The VERIFY messages received for one (zone, k): one vote per executor, grouped by what they
/// claim. Matched once a group reaches f_E+1 (serverlessbft §4.4, first check).
/// </summary>
internal sealed class SequenceSlot(ulong seq, long firstVoteTick)
{
    private readonly HashSet<Bytes32> _txDigests = new();

    private readonly Dictionary<int, Bytes32> _voteByExecutor = new();
    private readonly Dictionary<Bytes32, Group> _groups = new();

    public ulong Seq { get; } = seq;
    public long FirstVoteTick { get; } = firstVoteTick;
    /// <summary>When τ_m (re)started: the first VERIFY, or the last REPLACE it caused.</summary>
    public long TimerStartTick { get; set; } = firstVoteTick;

    /// <summary>True when some VERIFY for this seq carries a batch holding the transaction.</summary>
    public bool Names(in Bytes32 txDigest) => _txDigests.Contains(txDigest);
    public VerifyVote? Matched { get; private set; }
    public int VoteCount => _voteByExecutor.Count;
    public int LargestGroup => _groups.Count == 0 ? 0 : _groups.Values.Max(g => g.Count);
    /// <summary>Set when the slot must be decided as aborted (§6.4.1); <see cref="AbortBatch"/> is the vote whose batch is aborted.</summary>
    public string? AbortReason { get; set; }
    public VerifyVote? AbortBatch { get; set; }

    /// <summary>Adds a vote; false when this executor already voted for this k (duplicates and changed minds are ignored, §5.3 F3).</summary>
    public bool TryAdd(VerifyVote vote, int matchQuorum)
    {
        if (!_voteByExecutor.TryAdd(vote.Executor, vote.MatchKey)) return false;
        if (_txDigests.Count < 100_000) foreach (var digest in vote.TxDigests) _txDigests.Add(digest);
        if (!_groups.TryGetValue(vote.MatchKey, out var group)) _groups[vote.MatchKey] = group = new Group(vote);
        group.Count++;
        if (Matched is null && group.Count >= matchQuorum) Matched = group.First;
        return true;
    }

    /// <summary>
    /// The batch most votes carry, when at least <paramref name="quorum"/> votes carry it: correct
    /// executors all execute the one batch PBFT certified, so f_E+1 votes on a batch digest include a
    /// correct executor's (which checked the certificate), whatever their results.
    /// </summary>
    public VerifyVote? BatchAgreedBy(int quorum)
    {
        var byBatch = new Dictionary<Bytes32, (VerifyVote First, int Count)>();
        foreach (var group in _groups.Values)
        {
            var digest = group.First.BatchDigest;
            byBatch[digest] = byBatch.TryGetValue(digest, out var seen) ? (seen.First, seen.Count + group.Count) : (group.First, group.Count);
        }
        foreach (var (first, count) in byBatch.Values)
            if (count >= quorum) return first;
        return null;
    }

    /// <summary>Drops a matched group found to be malformed so a correct group can still form.</summary>
    public void Discard(Bytes32 matchKey)
    {
        _groups.Remove(matchKey);
        if (Matched?.MatchKey == matchKey) Matched = null;
    }

    private sealed class Group(VerifyVote first)
    {
        public VerifyVote First { get; } = first;
        public int Count;
    }
}
