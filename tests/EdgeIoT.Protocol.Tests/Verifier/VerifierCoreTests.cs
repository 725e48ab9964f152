using EdgeIoT.Core.Execution;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Protocol.Tests.Verifier;

public class VerifierCoreTests
{
    /// <summary>Every executor's signed VERIFY for (seq, batch), executed against <paramref name="store"/>.</summary>
    private static List<VerifyVote> Votes(TestNetwork network, MemoryState store, ulong seq, Batch batch, IExecutorFault?[]? faults = null) =>
        Enumerable.Range(0, network.ExecutorKeys.Length).Select(i =>
        {
            Assert.True(Executions.Executor(network, i, faults?[i]).TryAccept(Executions.SignedExecute(network, seq, batch), out var execution, out _, out var reason), reason);
            return Executions.Vote(network, Executions.Run(execution, store).SignedVerify!);
        }).ToList();

    [Fact]
    public void Two_matching_VERIFY_of_three_decide_the_batch_and_apply_its_writes()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var votes = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 7 })));

        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[0]));
        Assert.Empty(core.TakeReady());
        core.Advance();
        Assert.Equal(VoteVerdict.Decided, core.OnVerify(votes[1]));
        var decided = Assert.Single(core.TakeReady());
        store.Apply(decided);
        core.Advance();

        Assert.Equal(TxStatus.Committed, Assert.Single(decided.Entries).Status);
        Assert.Equal("993", store.Get("acct/1").Value);
        Assert.Equal(KeyVersion.Of(0, 1, 0), store.Get("acct/2").Version);
        Assert.Equal(2UL, core.NextSeq("z1"));
        Assert.Equal(VoteVerdict.AlreadyDecided, core.OnVerify(votes[2]));
    }

    [Fact]
    public void One_lying_executor_cannot_get_its_result_committed()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var votes = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "kv", "update", new { key = "kv/1", value = "truth" })),
            faults: [new WrongResultsFault(), null, null]);
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[0]));
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[1]));
        Assert.Equal(VoteVerdict.Decided, core.OnVerify(votes[2]));
        store.ApplyAll(core);
        Assert.Equal("truth", store.Get("kv/1").Value);
    }

    [Fact]
    public void The_same_executor_voting_twice_counts_once()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var votes = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "kv", "read", new { key = "kv/1" })));
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[0]));
        Assert.Equal(VoteVerdict.DuplicateExecutor, core.OnVerify(votes[0]));
        Assert.Empty(core.TakeReady());
    }

    [Fact]
    public void Later_sequence_numbers_wait_for_k_max_and_then_decide_in_order()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var first = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "kv", "update", new { key = "kv/1", value = "a" })));
        var second = Votes(network, store, 2, Executions.Batch(network.Tx("d1", "kv", "update", new { key = "kv/2", value = "b" })));
        core.OnVerify(second[0]);
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(second[1]));
        Assert.Empty(core.TakeReady());
        core.Advance();
        core.OnVerify(first[2]);
        Assert.Equal(VoteVerdict.Decided, core.OnVerify(first[0]));
        Assert.Equal([1UL, 2UL], core.TakeReady().Select(b => b.Seq).ToArray());
        Assert.Equal(3UL, core.NextSeq("z1"));
    }

    [Fact]
    public void A_stale_read_aborts_that_transaction_only_and_writes_nothing_of_it()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        // Both batches execute against the initial state (out-of-order spawning): batch 2 reads kv/1,
        // which batch 1 writes, so batch 2's rmw is stale when its turn comes (case C2, §6.1).
        var first = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "kv", "update", new { key = "kv/1", value = "A" })));
        var second = Votes(network, store, 2, Executions.Batch(
            network.Tx("d1", "kv", "rmw", new { key = "kv/1", value = "B" }),
            network.Tx("d2", "kv", "update", new { key = "kv/2", value = "C" })));
        foreach (var vote in first.Concat(second)) core.OnVerify(vote);
        var decided = core.TakeReady();
        foreach (var batch in decided) store.Apply(batch);
        core.Advance();

        var entries = decided[1].Entries;
        Assert.Equal(TxStatus.Aborted, entries[0].Status);
        Assert.Contains("stale read of kv/1", entries[0].Reason);
        Assert.Equal(TxStatus.Committed, entries[1].Status); // no cascading abort
        Assert.Equal("A", store.Get("kv/1").Value);
        Assert.Equal("C", store.Get("kv/2").Value);
    }

    [Fact]
    public void A_replayed_transaction_is_not_applied_twice_and_its_first_decision_is_resent()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var transfer = network.Tx("d0", "ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 100 });
        // The replay's executors ran before the original was decided, so they could not refuse it.
        var original = Votes(network, store, 1, Executions.Batch(transfer));
        var replayVotes = Votes(network, store, 2, Executions.Batch(transfer));
        foreach (var vote in original) core.OnVerify(vote);
        store.ApplyAll(core);
        foreach (var vote in replayVotes) core.OnVerify(vote);
        var replay = Assert.Single(core.TakeReady());
        store.Apply(replay);
        core.Advance();

        Assert.Equal(TxStatus.Rejected, replay.Entries[0].Status);
        Assert.StartsWith("duplicate of z1/1/0", replay.Entries[0].Reason);
        Assert.Equal(1UL, Assert.Single(replay.Resends).Seq);
        Assert.Equal("900", store.Get("acct/1").Value);
    }

    [Fact]
    public void A_replay_executed_after_the_original_was_decided_is_refused_by_the_executors()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var transfer = network.Tx("d0", "ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 100 });
        foreach (var vote in Votes(network, store, 1, Executions.Batch(transfer))) core.OnVerify(vote);
        store.ApplyAll(core);
        foreach (var vote in Votes(network, store, 2, Executions.Batch(transfer))) core.OnVerify(vote);
        var replay = Assert.Single(core.TakeReady());
        Assert.Equal(TxStatus.Rejected, replay.Entries[0].Status);
        // The executors refused it as stale; the verifier recognises the copy and resends the original.
        Assert.StartsWith(VerifierCore.DuplicateReasonPrefix, replay.Entries[0].Reason);
        Assert.Equal(1UL, Assert.Single(replay.Resends).Seq);
        Assert.Empty(replay.Writes);
    }

    [Fact]
    public void An_older_timestamp_from_the_same_device_is_rejected_as_stale()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var newer = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "new" }, timestamp: 10);
        var older = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "old" }, timestamp: 9);
        foreach (var vote in Votes(network, store, 1, Executions.Batch(newer, older))) core.OnVerify(vote);
        var decided = Assert.Single(core.TakeReady());
        store.Apply(decided);
        Assert.Equal(TxStatus.Committed, decided.Entries[0].Status);
        Assert.Equal(TxStatus.Rejected, decided.Entries[1].Status);
        Assert.StartsWith("stale-timestamp", decided.Entries[1].Reason);
        Assert.Equal("new", store.Get("kv/1").Value);
    }

    [Fact]
    public void Votes_too_far_ahead_of_k_max_are_refused_to_bound_memory()
    {
        using var network = new TestNetwork(protocol: p => p.VerifierPendingMax = 64);
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var votes = Votes(network, store, 65, Executions.Batch(network.Tx("d0", "kv", "read", new { key = "kv/1" })));
        Assert.Equal(VoteVerdict.TooFarAhead, core.OnVerify(votes[0]));
    }

    [Fact]
    public void Stepping_input_between_TakeReady_and_Advance_is_a_host_bug_caught_at_once()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var votes = Votes(network, store, 1, Executions.Batch(network.Tx("d0", "kv", "read", new { key = "kv/1" })));
        core.OnVerify(votes[0]);
        core.OnVerify(votes[1]);
        _ = core.TakeReady();
        Assert.Throws<InvalidOperationException>(() => core.OnVerify(votes[2]));
    }

    [Fact]
    public void When_every_executor_answered_and_none_agree_the_batch_is_aborted_not_left_waiting()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var batch = Executions.Batch(network.Tx("d0", "kv", "rmw", new { key = "kv/1", value = "x" }));
        // Three different readings of kv/1 (as if each executor read at a different moment).
        var votes = new List<VerifyVote>();
        foreach (var (executor, value) in new[] { (0, "a"), (1, "b"), (2, "c") })
        {
            store.Rows["kv/1"] = new StoredValue(true, value, (ulong)executor + 1);
            Assert.True(Executions.Executor(network, executor).TryAccept(Executions.SignedExecute(network, 1, batch), out var execution, out _, out _));
            votes.Add(Executions.Vote(network, Executions.Run(execution, store).SignedVerify!));
        }
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[0]));
        Assert.Equal(VoteVerdict.Counted, core.OnVerify(votes[1]));
        Assert.Equal(VoteVerdict.Decided, core.OnVerify(votes[2]));
        var decided = Assert.Single(core.TakeReady());
        var entry = Assert.Single(decided.Entries);
        Assert.Equal(TxStatus.Aborted, entry.Status);
        Assert.Equal("d0", entry.Device);
        Assert.Empty(decided.Writes);
        Assert.Equal(entry.Timestamp, decided.DeviceTimestamps["d0"]);
    }

    [Fact]
    public void A_batch_holding_one_transaction_twice_gives_its_device_one_decision()
    {
        // Found by the simulator (equivocating-primary): executors refuse the second copy as stale, and
        // the device must not hear "rejected" for the transaction it was just told is committed.
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var transfer = network.Tx("d0", "ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 10 });
        foreach (var vote in Votes(network, store, 1, Executions.Batch(transfer, transfer))) core.OnVerify(vote);
        var decided = Assert.Single(core.TakeReady());
        Assert.Equal(TxStatus.Committed, decided.Entries[0].Status);
        Assert.StartsWith(VerifierCore.DuplicateReasonPrefix, decided.Entries[1].Reason);
        var responses = VerifierMessages.ResponsesFor(decided).Select(VerifierMessages.ToResponse).ToList();
        Assert.All(responses, r => Assert.Equal("committed", r.Status));
    }
}
