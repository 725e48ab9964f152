namespace EdgeIoT.Devices;

public enum DeviceOutcome
{
    /// <summary>The verifier committed the transaction; <see cref="DeviceResult.ResultJson"/> holds its result.</summary>
    Committed,
    /// <summary>The verifier aborted it (stale reads or no executor quorum); nothing was written. Retry with a new transaction.</summary>
    Aborted,
    /// <summary>The verifier rejected it as invalid; <see cref="DeviceResult.Reason"/> says why.</summary>
    Rejected,
    /// <summary>f_R+1 gateways refused it with the same reason before ordering it.</summary>
    RefusedByGateways,
    /// <summary>No verified response within the submission deadline.</summary>
    TimedOut,
}

/// <summary>What happened to one submitted transaction.</summary>
public sealed record DeviceResult(
    DeviceOutcome Outcome,
    ulong Timestamp,
    string? ResultJson,
    string? Reason,
    ulong Seq,
    int Position,
    double LatencyMs,
    int Retries)
{
    public bool IsCommitted => Outcome == DeviceOutcome.Committed;
    /// <summary>The zone whose log holds the decision (verified responses only).</summary>
    public string? Zone { get; init; }
    /// <summary>SHA-256 of the transaction as published (verified responses only).</summary>
    public EdgeIoT.Core.Crypto.Bytes32 TxDigest { get; init; }
}
