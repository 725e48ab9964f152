namespace EdgeIoT.Provisioning;

/// <summary>
/// Adjusts a network for a workload whose transactions conflict (serverlessbft §6). Conflicts can make
/// correct executors disagree, and then only n_E >= 3 f_E + 1 lets the verifier tell conflicts from a
/// primary that spawned too few executors (Theorem 6.2). Declared read/write sets do not lift this: a
/// byzantine primary (or, in decentralized mode, any byzantine gateway) may spawn a batch before the
/// one it conflicts with whatever the invoker's lock map says, and a device may declare less than it
/// touches. So any conflicting workload gets ConflictsPossible and, if needed, more executors.
/// </summary>
public static class ConflictProvisioning
{
    /// <summary>The spec to provision (its protocol settings are updated in place), and a sentence for each change.</summary>
    public static (LocalNetworkSpec Spec, List<string> Changes) Apply(LocalNetworkSpec spec, int conflictPercent)
    {
        var changes = new List<string>();
        if (conflictPercent <= 0) return (spec, changes);
        spec.Protocol.ConflictsPossible = true;
        var needed = 3 * spec.FaultyExecutors + 1;
        if (spec.Executors >= needed) return (spec, changes);
        changes.Add($"{conflictPercent}% conflicting transactions: using {needed} executors instead of {spec.Executors}, since conflicts need n_E >= 3 f_E + 1 = {needed} for f_E = {spec.FaultyExecutors} (serverlessbft §6, Theorem 6.2)");
        return (spec with { Executors = needed }, changes);
    }
}
