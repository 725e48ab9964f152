using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// Storage is written in shim order (serverlessbft §4.4, Theorem 7.1): per zone, the verifier
/// persists k = 1, 2, 3, ... — gapless, increasing, each k once — and its k_max follows.
/// </summary>
public sealed class ShimOrderChecker(World world) : Checker(world)
{
    private readonly Dictionary<string, ulong> _lastPersisted = new(StringComparer.Ordinal);

    public override string Name => "shim-order";

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        var last = _lastPersisted.TryGetValue(batch.Zone, out var seq) ? seq : 0;
        if (batch.Seq != last + 1)
            throw Violation($"zone {batch.Zone}: the verifier persisted k={batch.Seq} right after k={last}; storage must be written in shim order, each k exactly once");
        _lastPersisted[batch.Zone] = batch.Seq;
        var next = World.Verifier.State.NextSeq(batch.Zone);
        if (next != batch.Seq + 1)
            throw Violation($"zone {batch.Zone}: after persisting k={batch.Seq}, k_max is {next}, expected {batch.Seq + 1}");
    }
}
