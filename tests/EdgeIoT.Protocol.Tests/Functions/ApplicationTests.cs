using EdgeIoT.Applications;
using EdgeIoT.Core.Config;
using EdgeIoT.Protocol.Tests.Support;

namespace EdgeIoT.Protocol.Tests.Functions;

public class ApplicationTests
{
    [Fact]
    public void Initial_state_is_a_pure_function_of_the_settings()
    {
        var settings = new ApplicationSettings { Kv = { Keys = 50, ValueBytes = 100 }, Ledger = { Accounts = 7, InitialBalance = 30 } };
        var first = new ApplicationSet(settings).InitialState().ToList();
        var second = new ApplicationSet(settings).InitialState().ToList();
        Assert.Equal(first, second);
        Assert.Equal(57, first.Count);
        Assert.All(first.Where(r => r.Key.StartsWith("kv/")), r => Assert.Equal(100, r.Value.Length));
        Assert.Equal(210, first.Where(r => r.Key.StartsWith("acct/")).Sum(r => long.Parse(r.Value)));
    }

    [Fact]
    public void Random_transfers_conserve_the_total_balance()
    {
        using var network = new TestNetwork(devices: 4);
        var store = new MemoryState(network);
        var random = new Random(3);
        var total = store.Rows.Where(r => r.Key.StartsWith("acct/")).Sum(r => long.Parse(r.Value.Value!));
        for (var seq = 1UL; seq <= 20; seq++)
        {
            var txs = Enumerable.Range(0, 5).Select(i => network.Tx($"d{i % 4}", "ledger", "transfer",
                new { from = $"acct/{random.Next(10)}", to = $"acct/{random.Next(10)}", amount = random.Next(1, 900) })).ToArray();
            var core = new EdgeIoT.Verifier.Protocol.VerifierCore(network.Registry, store);
            foreach (var i in new[] { 0, 1 })
            {
                Assert.True(Executions.Executor(network, i).TryAccept(Executions.SignedExecute(network, seq, Executions.Batch(txs)), out var execution, out _, out _));
                store.Next["z1"] = seq;
                core.OnVerify(Executions.Vote(network, Executions.Run(execution, store).SignedVerify!));
            }
            store.ApplyAll(core);
        }
        Assert.Equal(total, store.Rows.Where(r => r.Key.StartsWith("acct/")).Sum(r => long.Parse(r.Value.Value!)));
        Assert.All(store.Rows.Where(r => r.Key.StartsWith("acct/")), r => Assert.True(long.Parse(r.Value.Value!) >= 0));
    }
}
