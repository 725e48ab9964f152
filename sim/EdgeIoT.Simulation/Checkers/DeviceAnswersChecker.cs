using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// A correct device never gets two different verified decisions for one transaction: every
/// verifier-signed RESPONSE for a (device, timestamp) names the transaction the device signed, and all
/// of them agree on the status — and, once committed or aborted, on where (k, position) and the result.
/// </summary>
public sealed class DeviceAnswersChecker(World world) : Checker(world)
{
    private readonly Dictionary<(int Device, ulong Timestamp), Bytes32> _submitted = new();
    private readonly Dictionary<(int Device, ulong Timestamp), VerifierResponse> _firstAnswer = new();

    public override string Name => "device-answers";
    public long Responses { get; private set; }

    public override void OnDeviceSubmitted(SimDevice device, ulong timestamp, Bytes32 digest) => _submitted[(device.Id.Index, timestamp)] = digest;

    public override void OnDeviceResponse(SimDevice device, VerifierResponse response)
    {
        Responses++;
        var key = (device.Id.Index, response.Timestamp);
        if (!_submitted.TryGetValue(key, out var digest))
            throw Violation($"{device.Name} received a verified response for timestamp {response.Timestamp}, which it never used");
        if (digest != response.TxDigest)
            throw Violation($"{device.Name}@{response.Timestamp}: the verifier answered transaction {response.TxDigest.ToHex()[..12]}, the device signed {digest.ToHex()[..12]}");
        if (!_firstAnswer.TryGetValue(key, out var first))
        {
            _firstAnswer[key] = response;
            return;
        }
        var differs = first.Status != response.Status
            || (first.Status != VerifierResponse.Rejected && (first.Seq != response.Seq || first.Position != response.Position || first.ResultJson != response.ResultJson));
        if (differs)
            throw Violation($"{device.Name}@{response.Timestamp} got two different verified decisions: {Describe(first)} and {Describe(response)}");
    }

    private static string Describe(VerifierResponse r) => $"{r.Status} at {r.Zone}/{r.Seq}/{r.Position} {r.ResultJson ?? r.Reason}";
}
