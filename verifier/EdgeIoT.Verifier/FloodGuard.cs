using System.Collections.Concurrent;

namespace EdgeIoT.Verifier;

/// <summary>
/// Keeps flooding executors and gateways (serverlessbft §5.3, F1-F3) from starving honest traffic, by
/// refusing work before any cryptography: a VERIFY from an executor that already has a verified vote
/// for that (zone, k) is dropped (the core counts only the first one), and each HTTP connection has a
/// token bucket, so one connection cannot make the verifier check signatures without bound.
/// </summary>
public sealed class FloodGuard(TimeProvider time, double tokensPerSecond = 5_000, double burst = 10_000)
{
    private readonly ConcurrentDictionary<(string Zone, ulong Seq, int Executor), byte> _voted = new();
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();
    public long DroppedDuplicates, DroppedRateLimited;

    public bool AlreadyVoted(string zone, ulong seq, int executor)
    {
        if (!_voted.ContainsKey((zone, seq, executor))) return false;
        Interlocked.Increment(ref DroppedDuplicates);
        return true;
    }

    /// <summary>Records a vote whose signature verified.</summary>
    public void Voted(string zone, ulong seq, int executor) => _voted.TryAdd((zone, seq, executor), 0);

    /// <summary>Forgets votes for sequence numbers already decided (they are dropped earlier anyway).</summary>
    public void Forget(Func<string, ulong> nextSeq)
    {
        foreach (var key in _voted.Keys)
            if (key.Seq < nextSeq(key.Zone)) _voted.TryRemove(key, out _);
        var now = time.GetTimestamp();
        foreach (var (connection, bucket) in _buckets)
            if (time.GetElapsedTime(bucket.LastTimestamp, now) > TimeSpan.FromMinutes(1)) _buckets.TryRemove(connection, out _);
    }

    /// <summary>Takes one token from the connection's bucket; false when it is empty.</summary>
    public bool TryAdmit(string connectionId)
    {
        var bucket = _buckets.GetOrAdd(connectionId, _ => new Bucket(burst, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            bucket.Tokens = Math.Min(burst, bucket.Tokens + time.GetElapsedTime(bucket.LastTimestamp, now).TotalSeconds * tokensPerSecond);
            bucket.LastTimestamp = now;
            if (bucket.Tokens < 1)
            {
                Interlocked.Increment(ref DroppedRateLimited);
                return false;
            }
            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket(double tokens, long lastTimestamp)
    {
        public double Tokens = tokens;
        public long LastTimestamp = lastTimestamp;
    }
}
