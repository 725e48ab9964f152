using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Devices;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>An invariant does not hold. The engine adds the seed, the scenario and the trace tail.</summary>
public sealed class InvariantViolation(string checker, string message) : Exception(message)
{
    public string Checker { get; } = checker;
}

/// <summary>
/// A checker object watching what nodes do (TigerBeetle's StateChecker, Concord-BFT's history
/// checker): hosts report each event as it happens and the checker throws the moment an invariant
/// breaks. Checkers only vouch for correct nodes: a byzantine gateway's commits prove nothing.
/// </summary>
public abstract class Checker(World world)
{
    protected World World { get; } = world;
    public abstract string Name { get; }

    /// <summary>A correct gateway's replica committed a batch.</summary>
    public virtual void OnGatewayCommitted(SimGateway gateway, CommittedBatch batch) { }
    /// <summary>A VERIFY reached the verifier host, before any of its checks.</summary>
    public virtual void OnVerifyDelivered(byte[] body) { }
    /// <summary>The verifier persisted a decided batch (before anyone is told).</summary>
    public virtual void OnVerifierPersisted(DecidedBatch batch) { }
    public virtual void OnDeviceSubmitted(SimDevice device, ulong timestamp, Bytes32 digest) { }
    /// <summary>A correct device accepted a verifier-signed RESPONSE naming it (answering a pending transaction or not).</summary>
    public virtual void OnDeviceResponse(SimDevice device, VerifierResponse response) { }
    public virtual void OnDeviceCompleted(SimDevice device, DeviceResult result) { }
    public virtual void OnSafetyPhaseEnd() { }
    public virtual void OnLivenessPhaseStart() { }
    /// <summary>Once per simulated millisecond, after its events and ticks.</summary>
    public virtual void AfterStep() { }
    public virtual void AtEnd() { }

    protected InvariantViolation Violation(string message) => new(Name, message);
}

/// <summary>Dispatches every observation to every checker, in a fixed order.</summary>
public sealed class CheckerSet
{
    private readonly Checker[] _checkers;

    public CheckerSet(IEnumerable<Checker> checkers) => _checkers = checkers.ToArray();

    public IReadOnlyList<Checker> All => _checkers;

    public T Get<T>() where T : Checker => _checkers.OfType<T>().Single();

    public void OnGatewayCommitted(SimGateway gateway, CommittedBatch batch) { foreach (var c in _checkers) c.OnGatewayCommitted(gateway, batch); }
    public void OnVerifyDelivered(byte[] body) { foreach (var c in _checkers) c.OnVerifyDelivered(body); }
    public void OnVerifierPersisted(DecidedBatch batch) { foreach (var c in _checkers) c.OnVerifierPersisted(batch); }
    public void OnDeviceSubmitted(SimDevice device, ulong timestamp, Bytes32 digest) { foreach (var c in _checkers) c.OnDeviceSubmitted(device, timestamp, digest); }
    public void OnDeviceResponse(SimDevice device, VerifierResponse response) { foreach (var c in _checkers) c.OnDeviceResponse(device, response); }
    public void OnDeviceCompleted(SimDevice device, DeviceResult result) { foreach (var c in _checkers) c.OnDeviceCompleted(device, result); }
    public void OnSafetyPhaseEnd() { foreach (var c in _checkers) c.OnSafetyPhaseEnd(); }
    public void OnLivenessPhaseStart() { foreach (var c in _checkers) c.OnLivenessPhaseStart(); }
    public void AfterStep() { foreach (var c in _checkers) c.AfterStep(); }
    public void AtEnd() { foreach (var c in _checkers) c.AtEnd(); }
}
