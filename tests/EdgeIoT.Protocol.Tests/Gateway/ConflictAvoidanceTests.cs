using EdgeIoT.Core.Config;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using static EdgeIoT.Protocol.Tests.Support.CommittedBatches;

namespace EdgeIoT.Protocol.Tests.Gateway;

/// <summary>The lock map of §6.5, through the invoker: which batches wait, for whom, and until when.</summary>
public sealed class ConflictAvoidanceTests : IDisposable
{
    private readonly TestNetwork _network = new(f: 1, executors: 4, devices: 4);

    public void Dispose() => _network.Dispose();

    private InvokerCore Invoker() => InvokerModeTests.Invoker(_network, SpawningMode.OutOfOrder, avoidance: true);

    private static ulong[] Spawned(InvokerCore invoker) => invoker.TakeSpawns().Select(s => s.Batch.Seq).ToArray();

    [Fact]
    public void A_batch_that_reads_what_an_earlier_undecided_batch_writes_waits_until_the_verifier_decides_it()
    {
        // §6.5 (2)/(4): spawn k' only if it does not conflict with an earlier k; unlock when V says k executed.
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1"), Read("kv/5")));
        invoker.OnCommitted(Of(_network, 2, Read("kv/1")));
        Assert.Equal([1UL], Spawned(invoker));
        Assert.Equal(1, invoker.HeldCount);

        invoker.OnDecided(1);

        Assert.Equal([2UL], Spawned(invoker));
        Assert.Equal(1, invoker.BatchesHeld);
    }

    [Fact]
    public void A_later_batch_that_conflicts_with_nothing_earlier_passes_a_held_one()
    {
        // §6.5 (3): "P dequeues a non-conflicting transaction at the head of some queue".
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 3, Rmw("kv/7")));
        Assert.Equal([1UL, 3UL], Spawned(invoker));

        invoker.OnDecided(1);
        Assert.Equal([2UL], Spawned(invoker));
    }

    [Fact]
    public void A_batch_waits_for_every_earlier_writer_of_its_reads_even_one_that_is_itself_held()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Read("kv/1"), Rmw("kv/2")));
        invoker.OnCommitted(Of(_network, 3, Read("kv/2")));
        Assert.Equal([1UL], Spawned(invoker));

        invoker.OnDecided(1);
        Assert.Equal([2UL], Spawned(invoker));
        invoker.OnDecided(2);
        Assert.Equal([3UL], Spawned(invoker));
    }

    [Fact]
    public void Writes_after_reads_and_writes_after_writes_do_not_wait_because_the_verifier_applies_writes_in_order()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1"), Read("kv/2")));
        invoker.OnCommitted(Of(_network, 2, BlindWrite("kv/1"), BlindWrite("kv/2")));
        Assert.Equal([1UL, 2UL], Spawned(invoker));
        Assert.Equal(0, invoker.BatchesHeld);
    }

    [Fact]
    public void An_undeclared_read_set_waits_for_every_earlier_batch_that_may_write_but_not_for_read_only_ones()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Read("kv/1")));
        invoker.OnCommitted(Of(_network, 2, new Declared(null, ["kv/9"])));
        Assert.Equal([1UL, 2UL], Spawned(invoker));

        invoker.OnCommitted(Of(_network, 3, BlindWrite("kv/3")));
        invoker.OnCommitted(Of(_network, 4, new Declared(null, [])));
        Assert.Equal([3UL], Spawned(invoker));
        invoker.OnDecided(2);
        Assert.Empty(Spawned(invoker));
        invoker.OnDecided(3);
        Assert.Equal([4UL], Spawned(invoker));
    }

    [Fact]
    public void An_undeclared_write_set_holds_every_later_reader_but_not_later_blind_writers()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Undeclared));
        invoker.OnCommitted(Of(_network, 2, Read("kv/4")));
        invoker.OnCommitted(Of(_network, 3, BlindWrite("kv/4")));
        Assert.Equal([1UL, 3UL], Spawned(invoker));

        invoker.OnDecided(1);
        Assert.Equal([2UL], Spawned(invoker));
    }

    [Fact]
    public void One_undeclared_transaction_makes_its_whole_batch_undeclared_for_that_set()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1"), new Declared(["kv/2"], null)));
        invoker.OnCommitted(Of(_network, 2, Read("kv/3")));
        Assert.Equal([1UL], Spawned(invoker));
    }

    [Fact]
    public void A_sequence_number_not_yet_committed_here_holds_every_later_batch_since_its_sets_are_unknown()
    {
        // §6.5 (1): "P adds the k'-th transaction to a queue after it has added (or spawned) all the k-th transactions".
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 2, Read("kv/2")));
        Assert.Empty(Spawned(invoker));

        invoker.OnCommitted(Of(_network, 1, Read("kv/1")));
        Assert.Equal([1UL, 2UL], Spawned(invoker));
    }

    [Fact]
    public void A_decision_beyond_what_was_committed_here_releases_every_lock_and_the_map_empties()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 4, Rmw("kv/1")));
        Assert.Equal(1, invoker.KeysLocked);

        invoker.OnDecided(3);

        Assert.Equal([1UL, 4UL], Spawned(invoker));
        Assert.Equal(1, invoker.KeysLocked);
        invoker.OnDecided(4);
        Assert.Equal(0, invoker.KeysLocked);
        Assert.Equal(0, invoker.UndecidedCount);
    }

    [Fact]
    public void A_batch_that_does_not_decode_counts_as_undeclared()
    {
        var invoker = Invoker();
        invoker.OnCommitted(Raw(1, "not a jws"u8.ToArray()));
        invoker.OnCommitted(Of(_network, 2, Read("kv/1")));
        Assert.Equal([1UL], Spawned(invoker));
    }

    [Fact]
    public void A_backup_keeps_the_lock_map_so_that_as_primary_it_spawns_only_unblocked_batches()
    {
        var invoker = InvokerModeTests.Invoker(_network, SpawningMode.OutOfOrder, avoidance: true, self: 1, primary: false);
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        Assert.Empty(Spawned(invoker));

        invoker.SetPrimary(true);
        Assert.Equal([1UL], Spawned(invoker));
        Assert.False(invoker.RespawnNow(2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Under_random_commit_orders_and_decisions_no_batch_is_ever_spawned_while_an_earlier_undecided_batch_writes_what_it_reads(int seed)
    {
        var random = new Random(seed);
        const int batches = 40;
        var declared = new Dictionary<ulong, Declared[]>();
        for (var seq = 1UL; seq <= batches; seq++)
            declared[seq] = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => RandomDeclared(random)).ToArray();
        var invoker = Invoker();
        var commitOrder = Enumerable.Range(1, batches).Select(i => (ulong)i).OrderBy(_ => random.Next()).ToList();
        var spawned = new HashSet<ulong>();
        ulong decided = 0;

        while (decided < batches)
        {
            if (commitOrder.Count > 0 && random.Next(3) > 0)
            {
                var seq = commitOrder[0];
                commitOrder.RemoveAt(0);
                invoker.OnCommitted(Of(_network, seq, declared[seq]));
            }
            else if (spawned.Contains(decided + 1))
            {
                // The verifier decides in order, and only what executors ran.
                invoker.OnDecided(++decided);
            }
            foreach (var spawn in invoker.TakeSpawns())
            {
                var seq = spawn.Batch.Seq;
                Assert.True(spawned.Add(seq), $"batch {seq} spawned twice without a timeout");
                var reads = Footprint(declared[seq]).Reads;
                for (var earlier = decided + 1; earlier < seq; earlier++)
                {
                    var writes = Footprint(declared[earlier]).Writes;
                    var conflict = !Footprint(declared[seq]).ReadsNothing && (reads is null || writes is null ? Footprint(declared[earlier]).WritesSomething : reads.Overlaps(writes));
                    Assert.False(conflict, $"seed {seed}: batch {seq} ({Footprint(declared[seq])}) spawned while {earlier} ({Footprint(declared[earlier])}) was undecided");
                }
            }
            Assert.False(commitOrder.Count == 0 && !spawned.Contains(decided + 1) && decided < batches,
                $"seed {seed}: every batch committed but {decided + 1} is never spawned");
        }
        Assert.Equal(batches, spawned.Count);
        Assert.Equal(0, invoker.KeysLocked);
        Assert.True(invoker.BatchesHeld > 0, $"seed {seed}: no batch was ever held; the run checks nothing");
    }

    private static BatchFootprint Footprint(Declared[] transactions) => BatchFootprint.Of(transactions.Select(d => (d.Reads, d.Writes)));

    private static Declared RandomDeclared(Random random)
    {
        string[]? Keys() => random.Next(8) == 0 ? null : Enumerable.Range(0, random.Next(3)).Select(_ => $"kv/{random.Next(6)}").ToArray();
        return new Declared(Keys(), Keys());
    }
}
