using EdgeIoT.Core.Envelope;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Protocol.Tests.Verifier;

/// <summary>serverlessbft §5.1.3 (the verifier's actions on a client request) and §6.4 (verifier timer).</summary>
public class VerifierComplaintTests
{
    private static DeviceTransaction Decode(TestNetwork network, byte[] raw)
    {
        Assert.True(DeviceTransaction.TryDecode(raw, network.Registry, 4096, out var tx, out _));
        return tx;
    }

    private static VerifyVote VoteFor(TestNetwork network, MemoryState store, int executor, ulong seq, Batch batch)
    {
        Assert.True(Executions.Executor(network, executor).TryAccept(Executions.SignedExecute(network, seq, batch), out var execution, out _, out _));
        var vote = Executions.Vote(network, Executions.Run(execution, store).SignedVerify!);
        return vote with { TxDigests = Core.Execution.Batches.TxDigests(batch) };
    }

    [Fact]
    public void A_transaction_no_VERIFY_ever_named_gets_ERROR_T_and_an_ACK_once_decided()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var raw = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "x" });
        Assert.Equal(ClientVerdict.NeverSeen, core.OnClientRequest(Decode(network, raw), out _));
        Assert.Equal(VerifierNotice.KindOneofCase.ErrorTx, Assert.Single(core.TakeNotices()).KindCase);
        // Asking again at once does not flood the zone.
        core.OnClientRequest(Decode(network, raw), out _);
        Assert.Empty(core.TakeNotices());

        var batch = Executions.Batch(raw);
        core.OnVerify(VoteFor(network, store, 0, 1, batch));
        core.OnVerify(VoteFor(network, store, 1, 1, batch));
        store.ApplyAll(core);
        var ack = Assert.Single(core.TakeNotices());
        Assert.Equal(VerifierNotice.KindOneofCase.Ack, ack.KindCase);
        Assert.Equal(Decode(network, raw).Digest.ToArray(), ack.Ack.TxDigest.ToByteArray());
        Assert.Equal(ClientVerdict.Decided, core.OnClientRequest(Decode(network, raw), out var decided));
        Assert.Equal(1UL, decided!.Seq);
    }

    [Fact]
    public void A_transaction_waiting_behind_a_missing_sequence_number_gets_ERROR_k_max()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var raw = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "x" });
        var batch = Executions.Batch(raw);
        core.OnVerify(VoteFor(network, store, 0, 2, batch));
        core.OnVerify(VoteFor(network, store, 1, 2, batch));
        Assert.Equal(ClientVerdict.WaitingForEarlier, core.OnClientRequest(Decode(network, raw), out _));
        var notice = Assert.Single(core.TakeNotices());
        Assert.Equal(1UL, notice.ErrorSeq.Seq);
    }

    [Fact]
    public void Too_few_executors_for_k_max_gets_REPLACE_on_a_client_request_and_from_the_verifier_timer()
    {
        // S3: the primary spawned one executor instead of n_E.
        using var network = new TestNetwork(protocol: p => p.VerifierTimeoutMs = 50);
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var raw = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "x" });
        core.OnVerify(VoteFor(network, store, 0, 1, Executions.Batch(raw)));
        Assert.Equal(ClientVerdict.PrimaryBlamed, core.OnClientRequest(Decode(network, raw), out _));
        Assert.Equal(VerifierNotice.KindOneofCase.Replace, Assert.Single(core.TakeNotices()).KindCase);

        for (var tick = 0; tick < 49; tick++) core.Tick();
        Assert.Empty(core.TakeNotices());
        for (var tick = 0; tick < 2010; tick++) core.Tick(); // past the timer and the complaint back-off
        var replace = Assert.Single(core.TakeNotices());
        Assert.Equal(VerifierNotice.KindOneofCase.Replace, replace.KindCase);
        Assert.Contains("fewer than 2f_E+1", replace.Replace.Reason);
        Assert.Empty(core.TakeReady());
    }

    [Fact]
    public void With_2f_plus_1_VERIFY_and_no_matching_quorum_the_verifier_timer_aborts_in_order()
    {
        // n_E = 4 (f_E = 1): three disagreeing VERIFY are not all the executors, so only τ_m decides.
        using var network = new TestNetwork(executors: 4, protocol: p => p.VerifierTimeoutMs = 50);
        var store = new MemoryState(network);
        var core = new VerifierCore(network.Registry, store);
        var batch = Executions.Batch(network.Tx("d0", "kv", "rmw", new { key = "kv/1", value = "x" }));
        foreach (var (executor, value) in new[] { (0, "a"), (1, "b"), (2, "c") })
        {
            store.Rows["kv/1"] = new StoredValue(true, value, (ulong)executor + 1);
            Assert.Equal(VoteVerdict.Counted, core.OnVerify(VoteFor(network, store, executor, 1, batch)));
        }
        Assert.Empty(core.TakeReady());
        core.Advance();
        for (var tick = 0; tick < 51; tick++) core.Tick();
        var decided = Assert.Single(core.TakeReady());
        Assert.Equal(TxStatus.Aborted, Assert.Single(decided.Entries).Status);
        Assert.Contains("verifier timer", decided.Entries[0].Reason);
    }
}
