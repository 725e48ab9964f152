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
        var valid = isLock
            ? StepCertificates.TryVerifyLock(entry.Lock, registry, zone, out _, out problem)
            : StepCertificates.TryVerifyAdopt(entry.Adopt, registry, zone, out _, out problem);
        if (!valid)
        {
            reason = $"contains an inadmissible {(isLock ? "LOCK" : "ADOPT")}: {problem}";
            return false;
        }
        reason = "";
        return true;
    }
}
