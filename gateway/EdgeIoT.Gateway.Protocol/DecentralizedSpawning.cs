namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Which executors a gateway spawns in decentralized mode (serverlessbft §6.3): every gateway spawns e
/// executors for each batch it commits, so a byzantine primary cannot delay or starve execution.
///
/// The paper's e (Eq. 1: ⌈n_E / (n_R − f_R)⌉, Eq. 2: ⌈n_E / (f_R + 1)⌉, 1 when n_E ≤ n_R) counts
/// spawns, as if the correct gateways could split the pool between them. They cannot: nobody knows
/// which gateways are faulty, so the assignment is fixed in advance, and the verifier counts one vote
/// per executor identity. Covering all n_E whatever s gateways stay silent needs every executor to be
/// assigned to at least s + 1 distinct gateways. Gateway g spawns executors (g·e + j) mod n_E for
/// j &lt; e; these arcs tile the ring n_R·e times over, so each executor is assigned to at least
/// ⌊n_R·e / n_E⌋ distinct gateways (distinct because an arc of e ≤ n_E never wraps onto itself).
/// Hence e = ⌈(s + 1)·n_E / n_R⌉, never less than the paper's e and never more than n_E
/// (docs/conflicts.md has the table and the counterexample to the paper's e).
/// </summary>
public static class DecentralizedSpawning
{
    /// <summary>Gateways that may spawn nothing: f_R byzantine, plus f_R correct ones in the dark (Eq. 2's premise).</summary>
    public static int SilentGateways(int faultyGateways, bool toleratesDark) => toleratesDark ? 2 * faultyGateways : faultyGateways;

    /// <summary>e exactly as serverlessbft Eq. 1 (or Eq. 2 when <paramref name="toleratesDark"/>).</summary>
    public static int PaperExecutorsPerGateway(int executors, int gateways, int faultyGateways, bool toleratesDark)
    {
        if (executors <= gateways) return 1;
        var spawners = toleratesDark ? faultyGateways + 1 : gateways - faultyGateways;
        return CeilingDivide(executors, spawners);
    }

    /// <summary>e used: the smallest count with which the non-silent gateways together always spawn all n_E.</summary>
    public static int ExecutorsPerGateway(int executors, int gateways, int faultyGateways, bool toleratesDark)
    {
        if (executors < 1 || gateways < 1) throw new ArgumentOutOfRangeException(nameof(executors), "a zone needs gateways and executors");
        var coverage = SilentGateways(faultyGateways, toleratesDark) + 1;
        var covering = CeilingDivide(coverage * executors, gateways);
        return Math.Min(executors, Math.Max(covering, PaperExecutorsPerGateway(executors, gateways, faultyGateways, toleratesDark)));
    }

    /// <summary>The executors gateway <paramref name="gatewayIndex"/> spawns: an arc of e consecutive indices on the ring of n_E.</summary>
    public static int[] Slice(int gatewayIndex, int perGateway, int executors)
    {
        var slice = new int[Math.Min(perGateway, executors)];
        for (var j = 0; j < slice.Length; j++) slice[j] = (int)(((long)gatewayIndex * perGateway + j) % executors);
        return slice;
    }

    private static int CeilingDivide(int a, int b) => (a + b - 1) / b;
}
