using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// §6.3, byzantine aborts: while primary, the gateway holds back the spawn of some committed batches
/// for <paramref name="delayMs"/> while spawning later ones at once, so the later batches' executors
/// read values the held batches have not written yet and the verifier's ccheck aborts them. Nobody can
/// tell this from a slow network (§6.3: "impossible to detect"); decentralized spawning takes the
/// primary's hand off the timing instead.
/// </summary>
public sealed class DelayingSpawner(int delayMs, double heldFraction) : GatewayStrategy
{
    private readonly SortedDictionary<long, List<SpawnRequest>> _held = new();

    public override bool IsByzantine => true;
    public long Held { get; private set; }

    public override void OnSpawn(SimGateway gateway, SpawnRequest spawn)
    {
        if (!gateway.Invoker.IsPrimary || spawn.Respawn || Random.NextDouble() >= heldFraction)
        {
            gateway.Spawn(spawn);
            return;
        }
        Held++;
        var dueMs = gateway.World.Clock.NowMs + delayMs;
        if (!_held.TryGetValue(dueMs, out var due)) _held[dueMs] = due = [];
        due.Add(spawn);
    }

    public override void OnTick(SimGateway gateway)
    {
        while (_held.Count > 0 && _held.Keys.First() <= gateway.World.Clock.NowMs)
        {
            var first = _held.Keys.First();
            foreach (var spawn in _held[first]) gateway.Spawn(spawn);
            _held.Remove(first);
        }
    }
}

/// <summary>
/// §6.3's attack turned around: the gateway spawns every batch it commits on all executors at once,
/// ignoring the invoker's gates (sequential spawning, conflict avoidance), signed with its own key and
/// the batch's real certificate. Executors run whatever certified batch they get, and the verifier
/// counts each executor's first VERIFY per k, so the stale reads of these early runs decide the batch:
/// conflicting transactions abort whatever the correct gateways' invokers hold back. Any gateway can
/// do it, primary or not.
/// </summary>
public sealed class RushingSpawner : GatewayStrategy
{
    public override bool IsByzantine => true;
    public long Rushed { get; private set; }

    public override void OnCommitted(SimGateway gateway, CommittedBatch batch)
    {
        Rushed++;
        gateway.Spawn(new SpawnRequest(batch, Enumerable.Range(0, gateway.World.Registry.Executors.Members.Count).ToArray(), Respawn: false));
    }
}
