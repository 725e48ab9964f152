using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Wire;

namespace EdgeIoT.Protocol.Tests.Functions;

public class ExecutorCoreTests
{
    [Fact]
    public void A_certified_batch_executes_and_yields_a_signed_VERIFY_with_reads_and_writes()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var batch = Executions.Batch(
            network.Tx("d0", "kv", "read", new { key = "kv/1" }),
            network.Tx("d1", "kv", "update", new { key = "kv/2", value = "new" }),
            network.Tx("d2", "ledger", "transfer", new { from = "acct/1", to = "acct/2", amount = 10 }));
        var executor = Executions.Executor(network, 0);
        Assert.True(executor.TryAccept(Executions.SignedExecute(network, 7, batch), out var execution, out _, out var reason), reason);
        var step = Executions.Run(execution, store);

        var outcomes = step.Outcomes!.Items;
        Assert.All(outcomes, o => Assert.Equal(TxStatus.Committed, o.Status));
        Assert.Equal("kv/1", Assert.Single(outcomes[0].Reads).Key);
        Assert.Empty(outcomes[0].Writes);
        Assert.Equal("new", Assert.Single(outcomes[1].Writes).Value);
        Assert.Equal(["990", "1010"], outcomes[2].Writes.Select(w => w.Value).ToArray());
        Assert.Equal("d2", outcomes[2].Device);
        var verify = Verify.Parser.ParseFrom(step.SignedVerify!.Body);
        Assert.Equal(7UL, verify.Seq);
        Assert.Equal(3, verify.Batch.Txs.Count);
    }

    [Fact]
    public void A_transaction_reading_an_earlier_write_of_its_batch_reports_that_writes_version()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var batch = Executions.Batch(
            network.Tx("d0", "kv", "update", new { key = "kv/5", value = "a" }),
            network.Tx("d1", "kv", "rmw", new { key = "kv/5", value = "b" }));
        Assert.True(Executions.Executor(network, 0).TryAccept(Executions.SignedExecute(network, 3, batch), out var execution, out _, out _));
        var outcomes = Executions.Run(execution, store).Outcomes!.Items;
        var read = Assert.Single(outcomes[1].Reads);
        Assert.Equal(KeyVersion.Of(0, 3, 0), read.Version);
        Assert.Equal("ab", Assert.Single(outcomes[1].Writes).Value);
    }

    [Fact]
    public void Correct_executors_produce_byte_identical_outcomes()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var batch = Executions.Batch(
            network.Tx("d0", "telemetry", "reading", new { channel = "temp", value = 85.5 }),
            network.Tx("d1", "kv", "rmw", new { key = "kv/3", value = "x" }),
            network.Tx("d2", "ledger", "transfer", new { from = "acct/3", to = "acct/4", amount = 5000 }));
        var bytes = Enumerable.Range(0, 3).Select(i =>
        {
            Assert.True(Executions.Executor(network, i).TryAccept(Executions.SignedExecute(network, 1, batch), out var execution, out _, out _));
            return Verify.Parser.ParseFrom(Executions.Run(execution, store).SignedVerify!.Body).Outcomes;
        }).ToList();
        Assert.Equal(bytes[0], bytes[1]);
        Assert.Equal(bytes[0], bytes[2]);
        var outcomes = Outcomes.Parser.ParseFrom(bytes[0]).Items;
        Assert.Contains("\"alert\":true", outcomes[0].Result);
        Assert.Contains("insufficient funds", outcomes[2].Result);
        Assert.Empty(outcomes[2].Writes);
    }

    [Fact]
    public void Invalid_transactions_inside_a_certified_batch_are_rejected_one_by_one()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var forged = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "x" });
        forged[^5] ^= 0x01; // breaks the base64url signature bytes
        var batch = Executions.Batch(
            forged,
            network.Tx("d1", "kv", "update", new { key = "acct/1", value = "steal" }),
            network.Tx("d2", "kv", "drop-table", new { key = "kv/1" }),
            network.Tx("d3", "kv", "update", new { key = "kv/9", value = "ok" }));
        Assert.True(Executions.Executor(network, 0).TryAccept(Executions.SignedExecute(network, 1, batch), out var execution, out _, out _));
        var outcomes = Executions.Run(execution, store).Outcomes!.Items;
        Assert.Equal([TxStatus.Rejected, TxStatus.Rejected, TxStatus.Rejected, TxStatus.Committed], outcomes.Select(o => o.Status).ToArray());
        Assert.True(outcomes[0].Reason.StartsWith(RejectReason.BadSignature.Code()) || outcomes[0].Reason.StartsWith(RejectReason.MalformedEnvelope.Code()), outcomes[0].Reason);
        Assert.StartsWith("invalid-arguments", outcomes[1].Reason);
        Assert.StartsWith("unknown-operation", outcomes[2].Reason);
        Assert.All(outcomes.Take(3), o => Assert.Empty(o.Writes));
    }

    [Fact]
    public void EXECUTE_without_a_quorum_certificate_or_from_a_forger_is_refused()
    {
        using var network = new TestNetwork();
        var batch = Executions.Batch(network.Tx("d0", "kv", "read", new { key = "kv/1" }));
        var executor = Executions.Executor(network, 1);
        Assert.False(executor.TryAccept(Executions.SignedExecute(network, 1, batch, signers: [0, 1]), out _, out var kind, out _));
        Assert.Equal(ExecuteRejection.BadCertificate, kind);
        Assert.False(executor.TryAccept(Executions.SignedExecute(network, 1, batch, signers: [0, 0, 1]), out _, out kind, out _));
        Assert.Equal(ExecuteRejection.BadCertificate, kind);
        using var stranger = Core.Crypto.SigningKey.Generate();
        Assert.False(executor.TryAccept(Executions.SignedExecute(network, 1, batch, spawnerKey: stranger), out _, out kind, out _));
        Assert.Equal(ExecuteRejection.BadSpawnerSignature, kind);
        Assert.False(executor.TryAccept("garbage"u8, out _, out kind, out _));
        Assert.Equal(ExecuteRejection.Malformed, kind);
    }

    [Fact]
    public void A_byzantine_executor_strategy_changes_what_it_signs()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var batch = Executions.Batch(network.Tx("d0", "kv", "update", new { key = "kv/1", value = "honest" }));
        Assert.True(Executions.Executor(network, 2, new WrongResultsFault()).TryAccept(Executions.SignedExecute(network, 1, batch), out var execution, out _, out _));
        Assert.Equal("forged-by-byzantine-executor", Executions.Run(execution, store).Outcomes!.Items[0].Writes[0].Value);
    }

    [Fact]
    public void A_copy_of_a_decided_transaction_is_refused_so_the_devices_next_transaction_does_not_read_its_writes()
    {
        // Found by the simulator (gateway-chaos): a restarted gateway re-proposed a decided transaction
        // in the same batch as the device's next one.
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var decided = network.Tx("d0", "kv", "rmw", new { key = "kv/1", value = "a" }, timestamp: 5);
        var next = network.Tx("d0", "kv", "rmw", new { key = "kv/1", value = "b" }, timestamp: 6);
        store.Timestamps["d0"] = 5;
        Assert.True(Executions.Executor(network, 0).TryAccept(Executions.SignedExecute(network, 9, Executions.Batch(decided, next)), out var execution, out _, out _));
        var outcomes = Executions.Run(execution, store).Outcomes!.Items;
        Assert.Equal(TxStatus.Rejected, outcomes[0].Status);
        Assert.StartsWith("stale-timestamp", outcomes[0].Reason);
        Assert.Equal(TxStatus.Committed, outcomes[1].Status);
        Assert.Equal(0UL, Assert.Single(outcomes[1].Reads).Version); // read storage, not the copy's write
    }

    [Fact]
    public void An_older_timestamp_behind_a_newer_one_of_the_same_device_in_a_batch_is_refused()
    {
        using var network = new TestNetwork();
        var store = new MemoryState(network);
        var newer = network.Tx("d0", "kv", "update", new { key = "kv/1", value = "new" }, timestamp: 9);
        var older = network.Tx("d0", "kv", "update", new { key = "kv/2", value = "old" }, timestamp: 8);
        Assert.True(Executions.Executor(network, 0).TryAccept(Executions.SignedExecute(network, 1, Executions.Batch(newer, older)), out var execution, out _, out _));
        var outcomes = Executions.Run(execution, store).Outcomes!.Items;
        Assert.Equal([TxStatus.Committed, TxStatus.Rejected], outcomes.Select(o => o.Status).ToArray());
    }
}
