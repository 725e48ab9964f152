namespace EdgeIoT.Simulation;

/// <summary>
/// Deliberately unsafe protocol knobs that prove the checkers are not vacuous: with one on, the
/// simulator must report a violation. Test builds only; no configuration file can set them.
/// </summary>
public enum UnsafeMode
{
    None,
    /// <summary>ReplicaOptions.UnsafeQuorumReduction = 1: prepared with 2f-1 prepares, committed with 2f commits.</summary>
    CommitQuorum,
    /// <summary>VerifierCore's unsafeMatchQuorum = f_E: a decision on f_E matching VERIFY.</summary>
    VerifierQuorum,
    /// <summary>GlobalCoordinatorOptions.UnsafeZoneQuorum = 1: a slot is decided by the initiator zone alone, a minority.</summary>
    GlobalQuorum,
    /// <summary>GlobalCoordinatorOptions.UnsafeAcceptBelowPromise: gateways endorse an ACCEPTED below their promise.</summary>
    AcceptBelowPromise,
    /// <summary>VerifierCore's unsafeSkipLock: the source zone keeps committing a device it locked for a migration.</summary>
    SkipLock,
    /// <summary>GlobalCoordinatorOptions.UnsafeSkipCheckpointCheck: gateways endorse a lazy checkpoint without comparing it with the verifier's notices.</summary>
    CheckpointUnchecked,
    /// <summary>The verifier never announces a zone's latest decision again (decisions.md D22): a notice a crash lost is lost for good.</summary>
    NoReannounce,
}

public static class UnsafeModes
{
    public static string Name(this UnsafeMode mode) => mode switch
    {
        UnsafeMode.CommitQuorum => "commit-quorum",
        UnsafeMode.VerifierQuorum => "verifier-quorum",
        UnsafeMode.GlobalQuorum => "global-quorum",
        UnsafeMode.AcceptBelowPromise => "accept-below-promise",
        UnsafeMode.SkipLock => "skip-lock",
        UnsafeMode.CheckpointUnchecked => "checkpoint-unchecked",
        UnsafeMode.NoReannounce => "no-reannounce",
        _ => "none",
    };

    public static bool TryParse(string? name, out UnsafeMode mode)
    {
        mode = name switch
        {
            "commit-quorum" => UnsafeMode.CommitQuorum,
            "verifier-quorum" => UnsafeMode.VerifierQuorum,
            "global-quorum" => UnsafeMode.GlobalQuorum,
            "accept-below-promise" => UnsafeMode.AcceptBelowPromise,
            "skip-lock" => UnsafeMode.SkipLock,
            "checkpoint-unchecked" => UnsafeMode.CheckpointUnchecked,
            "no-reannounce" => UnsafeMode.NoReannounce,
            "none" => UnsafeMode.None,
            _ => (UnsafeMode)(-1),
        };
        return Enum.IsDefined(mode);
    }

    /// <summary>
    /// The scenario that exposes each mode: an equivocating primary (two proposals at one k) breaks
    /// agreement once a quorum is too small; colluding liars (f_E executors agreeing on one wrong
    /// outcome) get a forged result committed once f_E votes suffice.
    /// </summary>
    public static string ExposingScenario(this UnsafeMode mode) => mode switch
    {
        UnsafeMode.CommitQuorum => "equivocating-primary",
        UnsafeMode.VerifierQuorum => "lying-executor",
        // Concurrent initiators each deciding a slot on their own zone's word commit different orders in one slot.
        UnsafeMode.GlobalQuorum => "global-collisions",
        // A zone that promised a higher ballot still accepts a lower one: two values chosen in one slot.
        UnsafeMode.AcceptBelowPromise => "global-collisions",
        // A device that keeps sending to its old zone gets a transaction committed there after the LOCK.
        UnsafeMode.SkipLock => "migration-race",
        // A tampering primary's false zone digest is certified once its members stop checking it.
        UnsafeMode.CheckpointUnchecked => "global-byzantine",
        // The zone never learns of the decision a crash swallowed: its window stays full, and it stalls.
        UnsafeMode.NoReannounce => "verifier-lost-notice",
        _ => throw new ArgumentException("no unsafe mode selected"),
    };
}

public sealed class SimulationOptions
{
    public UnsafeMode Unsafe { get; init; }
    /// <summary>Trace entries kept for a failure report.</summary>
    public int TraceTailCapacity { get; init; } = 64;
    /// <summary>Trace entries a failure report prints (a replay asks for more).</summary>
    public int FailureTail { get; init; } = 30;
    /// <summary>Events pending at once; beyond it a node floods without bound, which is a bug.</summary>
    public int MaxPendingEvents { get; init; } = 1_000_000;
    /// <summary>
    /// Checkers left out of the run (by name), for tests that show one checker catches a bug on its
    /// own. The liveness checker cannot be left out of a scenario that checks liveness.
    /// </summary>
    /// <summary>
    /// Run and check the liveness phase even where the scenario says it cannot pass yet: to reproduce
    /// the gap it names, or to confirm the fix once the protocol has it.
    /// </summary>
    public bool ForceLiveness { get; init; }
    public IReadOnlySet<string> DisabledCheckers { get; init; } = new HashSet<string>();
}
