using EdgeIoT.Core.Config;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using static EdgeIoT.Protocol.Tests.Support.CommittedBatches;

namespace EdgeIoT.Protocol.Tests.Gateway;

/// <summary>Who spawns and when, per spawning mode (serverlessbft §6.1, §6.1.1, §6.3).</summary>
public sealed class InvokerModeTests : IDisposable
{
    private const int RespawnTimeoutMs = 100;
    private readonly TestNetwork _network = new(f: 1, executors: 4, devices: 4);

    public void Dispose() => _network.Dispose();

    internal static InvokerCore Invoker(TestNetwork network, SpawningMode mode, bool avoidance = false, int self = 0, bool primary = true)
    {
        var protocol = new ProtocolSettings { Spawning = mode, ConflictAvoidance = avoidance, RespawnTimeoutMs = RespawnTimeoutMs, TickMs = 1 };
        var invoker = new InvokerCore(InvokerOptions.For(network.Registry, network.Zone, self) with { Protocol = protocol });
        invoker.SetPrimary(primary);
        return invoker;
    }

    private static ulong[] Seqs(List<SpawnRequest> spawns) => spawns.Select(s => s.Batch.Seq).ToArray();

    [Fact]
    public void Out_of_order_the_primary_spawns_every_executor_for_each_batch_as_it_commits_even_before_earlier_ones()
    {
        // §6.1: "our SERVERLESSBFT protocol permits the primary to spawn the n_E executors for the
        // (k+1)-th request prior to spawning executors for k-th request."
        var invoker = Invoker(_network, SpawningMode.OutOfOrder);
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));

        var spawns = invoker.TakeSpawns();
        Assert.Equal([2UL, 1UL], Seqs(spawns));
        Assert.All(spawns, s => Assert.Equal([0, 1, 2, 3], s.Executors));
        Assert.All(spawns, s => Assert.False(s.Respawn));
    }

    [Fact]
    public void A_backup_spawns_nothing_and_on_becoming_primary_spawns_every_undecided_batch_again()
    {
        var invoker = Invoker(_network, SpawningMode.OutOfOrder, self: 1, primary: false);
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/2")));
        invoker.OnDecided(1);
        for (var t = 0; t < 10 * RespawnTimeoutMs; t++) invoker.Tick();
        Assert.Empty(invoker.TakeSpawns());

        invoker.SetPrimary(true);

        var spawns = invoker.TakeSpawns();
        Assert.Equal([2UL], Seqs(spawns));
        Assert.True(spawns[0].Respawn);
    }

    [Fact]
    public void Sequential_spawns_k_plus_1_only_once_the_verifier_decided_k()
    {
        // §6.1.1: "P will spawn executors for T' when it receives the RESPONSE message for T from V."
        var invoker = Invoker(_network, SpawningMode.Sequential);
        invoker.OnCommitted(Of(_network, 2, Read("kv/9")));
        invoker.OnCommitted(Of(_network, 3, Read("kv/8")));
        Assert.Empty(invoker.TakeSpawns());

        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        Assert.Equal([1UL], Seqs(invoker.TakeSpawns()));
        Assert.Equal(2, invoker.HeldCount);

        invoker.OnDecided(1);
        Assert.Equal([2UL], Seqs(invoker.TakeSpawns()));
        invoker.OnDecided(2);
        Assert.Equal([3UL], Seqs(invoker.TakeSpawns()));
        invoker.OnDecided(3);
        Assert.Empty(invoker.TakeSpawns());
        Assert.Equal(0, invoker.UndecidedCount);
        Assert.Equal(2, invoker.BatchesHeld);
    }

    [Fact]
    public void Sequential_re_spawns_on_timeout_only_the_batch_the_verifier_waits_for()
    {
        var invoker = Invoker(_network, SpawningMode.Sequential);
        invoker.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        invoker.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        invoker.TakeSpawns();

        for (var t = 0; t < RespawnTimeoutMs; t++) invoker.Tick();

        var respawns = invoker.TakeSpawns();
        Assert.Equal([1UL], Seqs(respawns));
        Assert.True(respawns[0].Respawn);
        Assert.False(invoker.RespawnNow(2));
        Assert.True(invoker.RespawnNow(1));
    }

    [Fact]
    public void Decentralized_every_gateway_spawns_its_own_slice_and_the_slices_cover_every_executor_without_any_one_gateway()
    {
        // §6.3: "once a node R commits a client request m, it spawns e executors."
        var gateways = Enumerable.Range(0, 4).Select(g => Invoker(_network, SpawningMode.Decentralized, self: g, primary: g == 0)).ToArray();
        var batch = Of(_network, 1, Rmw("kv/1"));
        foreach (var gateway in gateways) gateway.OnCommitted(batch);

        var slices = gateways.Select(g => g.TakeSpawns().Single().Executors).ToArray();
        Assert.All(slices, s => Assert.Equal(2, s.Length)); // e = ⌈(f_R + 1) n_E / n_R⌉ = ⌈2·4/4⌉
        for (var silent = 0; silent < gateways.Length; silent++)
            Assert.Equal([0, 1, 2, 3], slices.Where((_, g) => g != silent).SelectMany(s => s).Distinct().Order().ToArray());
    }

    [Fact]
    public void Decentralized_every_gateway_re_spawns_its_own_slice_on_timeout_and_a_new_primary_spawns_nothing_extra()
    {
        var backup = Invoker(_network, SpawningMode.Decentralized, self: 3, primary: false);
        backup.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        var first = backup.TakeSpawns().Single();

        for (var t = 0; t < RespawnTimeoutMs; t++) backup.Tick();
        var again = backup.TakeSpawns().Single();
        Assert.True(again.Respawn);
        Assert.Equal(first.Executors, again.Executors);

        backup.SetPrimary(true);
        Assert.Empty(backup.TakeSpawns());
        Assert.True(backup.RespawnNow(1));
        Assert.Equal(first.Executors, backup.TakeSpawns().Single().Executors);
    }

    [Fact]
    public void Decentralized_with_conflict_avoidance_every_gateway_runs_the_lock_map_for_its_own_spawns()
    {
        // §6.3: "each node needs to maintain the logical map to lock data-items."
        var gateway = Invoker(_network, SpawningMode.Decentralized, avoidance: true, self: 2, primary: false);
        gateway.OnCommitted(Of(_network, 1, Rmw("kv/1")));
        gateway.OnCommitted(Of(_network, 2, Rmw("kv/1")));
        Assert.Equal([1UL], Seqs(gateway.TakeSpawns()));
        gateway.OnDecided(1);
        Assert.Equal([2UL], Seqs(gateway.TakeSpawns()));
    }

    [Fact]
    public void A_commit_a_window_ahead_proves_earlier_decisions_and_keeps_memory_within_one_window()
    {
        var invoker = Invoker(_network, SpawningMode.OutOfOrder);
        var window = (ulong)new ProtocolSettings().WindowBatches;
        for (var seq = 1UL; seq <= window; seq++) invoker.OnCommitted(Of(_network, seq, Read("kv/1")));
        Assert.Equal((int)window, invoker.UndecidedCount);

        invoker.OnCommitted(Of(_network, window + 3, Read("kv/1")));

        Assert.Equal(3UL, invoker.DecidedThrough);
        Assert.True(invoker.UndecidedCount <= (int)window);
    }
}
