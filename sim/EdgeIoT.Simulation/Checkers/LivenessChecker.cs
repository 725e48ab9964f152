using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// Liveness after the heal: every request of a correct device that is open when the network heals, or
/// submitted after, gets a verifier-signed answer (committed, aborted or rejected) within the bound,
/// counted from the heal or from its submission, whichever is later. Giving up, or believing gateways
/// instead of the verifier, does not count as an answer.
/// </summary>
public sealed class LivenessChecker(World world) : Checker(world)
{
    private readonly SortedDictionary<(int Device, ulong Timestamp), long> _open = new();
    private long _startedMs = -1;

    public override string Name => "liveness";
    public long Answered { get; private set; }
    public long MaxLatencyMs { get; private set; }
    private int BoundMs => World.Setup.EffectiveLivenessBoundMs;

    public override void OnDeviceSubmitted(SimDevice device, ulong timestamp, Bytes32 digest) => _open[(device.Id.Index, timestamp)] = World.Clock.NowMs;

    public override void OnLivenessPhaseStart() => _startedMs = World.Clock.NowMs;

    public override void OnDeviceCompleted(SimDevice device, DeviceResult result)
    {
        if (!_open.Remove((device.Id.Index, result.Timestamp), out var submittedMs)) return;
        if (_startedMs < 0) return;
        var waitedMs = World.Clock.NowMs - Math.Max(submittedMs, _startedMs);
        if (result.Outcome is DeviceOutcome.TimedOut or DeviceOutcome.RefusedByGateways)
            throw Violation($"{device.Name}@{result.Timestamp} ended {result.Outcome} ({result.Reason}) {waitedMs} ms into the liveness phase, without a verifier-signed answer");
        if (waitedMs > BoundMs)
            throw Violation($"{device.Name}@{result.Timestamp} was answered after {waitedMs} ms, beyond the liveness bound of {BoundMs} ms");
        Answered++;
        MaxLatencyMs = Math.Max(MaxLatencyMs, waitedMs);
    }

    public override void AfterStep()
    {
        if (_startedMs < 0 || World.Clock.NowMs % 100 != 0) return;
        CheckOpen();
    }

    public override void AtEnd()
    {
        if (_startedMs < 0) return;
        foreach (var ((device, timestamp), submittedMs) in _open)
            throw Violation($"{World.Describe(new Network.NodeId(Network.NodeRole.Device, device))}@{timestamp} has no verifier-signed answer {World.Clock.NowMs - Math.Max(submittedMs, _startedMs)} ms after the heal or its submission (bound {BoundMs} ms)");
    }

    private void CheckOpen()
    {
        foreach (var ((device, timestamp), submittedMs) in _open)
        {
            var waitedMs = World.Clock.NowMs - Math.Max(submittedMs, _startedMs);
            if (waitedMs > BoundMs)
                throw Violation($"{World.Describe(new Network.NodeId(Network.NodeRole.Device, device))}@{timestamp} has waited {waitedMs} ms for a verifier-signed answer, beyond the liveness bound of {BoundMs} ms");
        }
    }
}
