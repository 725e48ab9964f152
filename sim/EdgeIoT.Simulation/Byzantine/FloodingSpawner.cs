using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// F1/F2, duplicate spawning (serverlessbft §5.3): a gateway that keeps every certificate it learned
/// and keeps re-spawning executors for old batches — decided or not — signed with its own key; as
/// primary it also spawns every new batch twice. Executors accept it (the certificates are real); the
/// verifier must drop VERIFY for decided k cheaply and count each executor once per k.
/// </summary>
public sealed class FloodingSpawner(int intervalMs = 20, int burst = 2) : GatewayStrategy
{
    public const int RememberedBatches = 64;
    private readonly List<CommittedBatch> _remembered = [];
    private long _nextFloodMs;

    public override bool IsByzantine => true;
    public long Floods { get; private set; }

    public override void OnCommitted(SimGateway gateway, CommittedBatch batch)
    {
        if (_remembered.Count >= RememberedBatches) _remembered.RemoveAt(Random.Next(_remembered.Count));
        _remembered.Add(batch);
    }

    public override void OnSpawn(SimGateway gateway, SpawnRequest spawn)
    {
        gateway.Spawn(spawn);
        gateway.Spawn(spawn);
        Floods++;
    }

    public override void OnTick(SimGateway gateway)
    {
        if (_remembered.Count == 0 || gateway.World.Clock.NowMs < _nextFloodMs) return;
        _nextFloodMs = gateway.World.Clock.NowMs + intervalMs;
        for (var i = 0; i < burst; i++)
        {
            var batch = _remembered[Random.Next(_remembered.Count)];
            var execute = gateway.SignExecute(batch.Seq, batch.Batch, batch.Certificate);
            for (var executor = 0; executor < gateway.World.Registry.Executors.Members.Count; executor++) gateway.SendExecute(executor, execute);
            Floods++;
        }
    }
}
