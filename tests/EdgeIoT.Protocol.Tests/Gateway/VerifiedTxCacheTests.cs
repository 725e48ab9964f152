using EdgeIoT.Core.Crypto;
using EdgeIoT.Gateway.Protocol;

namespace EdgeIoT.Protocol.Tests.Gateway;

public sealed class VerifiedTxCacheTests
{
    private static Bytes32 Digest(int i) => Sha256Digest.Of(BitConverter.GetBytes(i));

    [Fact]
    public void Every_digest_is_remembered_for_at_least_half_the_capacity_of_later_admissions()
    {
        // A cache that empties itself when full (this one's first version) forgets the digests of the
        // batch the primary is about to propose, and backups verify every signature again.
        var cache = new VerifiedTxCache(capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            cache.Add(Digest(i));
            for (var back = 0; back < 50 && back <= i; back++)
                Assert.True(cache.Contains(Digest(i - back)), $"digest {i - back} forgotten after {back} later admissions");
        }
        Assert.False(cache.Contains(Digest(-1)));
    }

    [Fact]
    public void The_cache_never_holds_more_than_its_capacity_and_forgets_the_oldest_first()
    {
        var cache = new VerifiedTxCache(capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            cache.Add(Digest(i));
            Assert.InRange(cache.Count, 1, 100);
        }
        Assert.False(cache.Contains(Digest(0)));
        Assert.True(cache.Contains(Digest(999)));
    }

    [Fact]
    public void Adding_a_digest_again_does_not_push_others_out()
    {
        var cache = new VerifiedTxCache(capacity: 10);
        for (var i = 0; i < 4; i++) cache.Add(Digest(i));
        for (var repeat = 0; repeat < 100; repeat++) cache.Add(Digest(3));
        for (var i = 0; i < 4; i++) Assert.True(cache.Contains(Digest(i)));
    }

    [Fact]
    public async Task Concurrent_admissions_lose_no_digest_and_keep_the_bound()
    {
        const int threads = 4, perThread = 10_000;
        static Task AddAll(VerifiedTxCache cache) => Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < perThread; i++) cache.Add(Digest(t * perThread + i));
        })));

        var roomy = new VerifiedTxCache(capacity: 4 * threads * perThread);
        await AddAll(roomy);
        Assert.Equal(threads * perThread, roomy.Count);
        Assert.All(Enumerable.Range(0, threads * perThread), i => Assert.True(roomy.Contains(Digest(i))));

        var tight = new VerifiedTxCache(capacity: 1_000);
        await AddAll(tight);
        Assert.InRange(tight.Count, 500, 1_000 + threads);
    }
}
