using EdgeIoT.Core.Config;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Whether a backup may prepare a batch holding a system entry (docs/zones.md): a LOCK must carry a
/// certified COMMIT of a migration leaving this zone, an ADOPT a certified HISTORY of another zone.
/// Self-contained — certificates, not this gateway's view of the global metadata — so replicas that
/// learn a global decision at different times still agree on the batch.
/// </summary>
public static class SystemEntryAdmission
{
    public static bool TryAdmit(byte[] raw, NetworkRegistry registry, string zone, out string reason)
    {
        if (!SystemEntries.TryDecode(raw, out var entry, out var problem)) { reason = $"contains a bad system entry: {problem}"; return false; }
        var isLock = entry.KindCase == SystemEntry.KindOneofCase.Lock;
        if (!StepCertificates.TryVerify(isLock ? entry.Lock : entry.Adopt, registry, out var step, out problem))
        {
            reason = $"contains a {(isLock ? "LOCK" : "ADOPT")} without a valid certificate: {problem}";
            return false;
        }
        if (isLock && (step.Kind != GlobalStepKind.GlobalStepCommit || step.Order?.FromZone != zone))
        {
            reason = $"contains a LOCK that is not a certified COMMIT of a migration leaving zone {zone}";
            return false;
        }
        if (!isLock && (step.Kind != GlobalStepKind.GlobalStepHistory || step.Zone == zone))
        {
            reason = "contains an ADOPT that is not another zone's certified HISTORY";
            return false;
        }
        reason = "";
        return true;
    }
}
