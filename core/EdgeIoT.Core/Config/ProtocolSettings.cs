using System.Text.Json.Serialization;

namespace EdgeIoT.Core.Config;

/// <summary>
/// Protocol parameters shared by every process of the network. Every queue, window and message has a
/// bound here (TigerBeetle's "put a limit on everything").
/// </summary>
public sealed class ProtocolSettings
{
    /// <summary>Largest device transaction (the JWS bytes) anyone accepts.</summary>
    public int MaxTxBytes { get; set; } = 4096;
    /// <summary>Transactions per batch at most; the primary cuts a batch when it is full.</summary>
    public int BatchSizeMax { get; set; } = 100;
    /// <summary>How long the primary holds a non-empty, non-full batch before proposing it.</summary>
    public int BatchTimeoutMs { get; set; } = 2;
    /// <summary>Sequence numbers in flight above the last decided one (PBFT's watermark window L).</summary>
    public int WindowBatches { get; set; } = 64;
    /// <summary>
    /// Adaptive batching: the primary cuts a partial batch on its timer only while fewer than this many
    /// batches are undecided. Under load, requests then gather into larger batches instead of paying the
    /// per-batch cost (signatures, HTTP requests, a SQL commit) many times; full batches go regardless,
    /// up to the window. 1: a partial batch goes only when everything before it is decided; an idle
    /// zone still proposes after the batch timer (docs/performance.md, "Batching under load").
    /// </summary>
    public int PartialBatchesInFlightMax { get; set; } = 1;
    /// <summary>Requests a primary queues before it refuses more with "overloaded".</summary>
    public int PendingRequestsMax { get; set; } = 20_000;
    /// <summary>The protocol cores' clock resolution: hosts call Tick() every TickMs.</summary>
    public int TickMs { get; set; } = 1;
    /// <summary>Spawning mode for executors.</summary>
    public SpawningMode Spawning { get; set; } = SpawningMode.OutOfOrder;
    /// <summary>
    /// Best-effort conflict avoidance (serverlessbft §6.5): an invoker holds a committed batch whose
    /// declared reads meet the writes of an earlier undecided batch until that batch is decided
    /// (docs/conflicts.md). Ignored in sequential mode, which already waits for every earlier batch.
    /// </summary>
    public bool ConflictAvoidance { get; set; }
    /// <summary>
    /// Decentralized spawning covers every executor even when f_R correct gateways are kept in the dark
    /// as well as f_R byzantine ones spawn nothing (§6.3 Eq. 2); false assumes only the byzantine are
    /// silent (Eq. 1). More EXECUTE per batch either way; see docs/conflicts.md for e.
    /// </summary>
    public bool DecentralizedToleratesDark { get; set; }
    /// <summary>
    /// True when transactions with undeclared read/write sets may conflict; then n_E >= 3 f_E + 1 is
    /// required (serverlessbft §6, Theorem 6.2).
    /// </summary>
    public bool ConflictsPossible { get; set; }
    /// <summary>An invoker re-sends EXECUTE for a committed batch the verifier has not decided after this long.</summary>
    public int RespawnTimeoutMs { get; set; } = 2000;
    /// <summary>A backup suspects the primary when a request it saw is not committed within this long (§5.1.1 node timer).</summary>
    public int RequestTimeoutMs { get; set; } = 4000;
    /// <summary>How long a new view may take before the next view change (doubles each consecutive view change).</summary>
    public int ViewChangeTimeoutMs { get; set; } = 4000;
    /// <summary>Retransmission timer Υ after an ERROR from the verifier (§5.1.4).</summary>
    public int RetransmitTimeoutMs { get; set; } = 4000;
    /// <summary>Verifier timer τ_m (§6.4), started at the first VERIFY for a sequence number.</summary>
    public int VerifierTimeoutMs { get; set; } = 3000;
    /// <summary>Featherweight checkpoint interval in sequence numbers (§5.2.1).</summary>
    public int CheckpointInterval { get; set; } = 16;
    /// <summary>Sequence numbers above k_max the verifier keeps VERIFY messages for.</summary>
    public int VerifierPendingMax { get; set; } = 4096;
    /// <summary>
    /// Gateways persist PBFT state in SQLite (WAL) before sending. False: each write survives a crash of
    /// the process (the OS holds it), not a power cut of the board. True: fsync every write as well —
    /// for sites where more than f_R gateways could lose power at once (decisions.md D13).
    /// </summary>
    public bool GatewayFsync { get; set; }
    /// <summary>A device's first response timeout; it doubles up to DeviceTimeoutMaxMs (§5.1.2).</summary>
    public int DeviceTimeoutMs { get; set; } = 3000;
    public int DeviceTimeoutMaxMs { get; set; } = 30_000;

    [JsonIgnore] public int WindowMax => WindowBatches;

    public IEnumerable<string> Validate()
    {
        if (MaxTxBytes is < 256 or > 1 << 20) yield return $"protocol.maxTxBytes {MaxTxBytes} must be within 256..1048576";
        if (BatchSizeMax is < 1 or > 10_000) yield return $"protocol.batchSizeMax {BatchSizeMax} must be within 1..10000";
        if (BatchTimeoutMs is < 0 or > 10_000) yield return $"protocol.batchTimeoutMs {BatchTimeoutMs} must be within 0..10000";
        if (WindowBatches is < 1 or > 100_000) yield return $"protocol.windowBatches {WindowBatches} must be within 1..100000";
        if (PendingRequestsMax < BatchSizeMax) yield return "protocol.pendingRequestsMax must be at least batchSizeMax";
        if (PartialBatchesInFlightMax < 1) yield return "protocol.partialBatchesInFlightMax must be at least 1";
        if (TickMs is < 1 or > 1000) yield return $"protocol.tickMs {TickMs} must be within 1..1000";
        if (CheckpointInterval < 1) yield return "protocol.checkpointInterval must be >= 1";
        if (VerifierPendingMax < WindowBatches) yield return "protocol.verifierPendingMax must be at least windowBatches";
        foreach (var (name, value) in new[] { ("respawnTimeoutMs", RespawnTimeoutMs), ("requestTimeoutMs", RequestTimeoutMs), ("viewChangeTimeoutMs", ViewChangeTimeoutMs), ("retransmitTimeoutMs", RetransmitTimeoutMs), ("verifierTimeoutMs", VerifierTimeoutMs), ("deviceTimeoutMs", DeviceTimeoutMs) })
            if (value < 1) yield return $"protocol.{name} must be positive";
        if (DeviceTimeoutMaxMs < DeviceTimeoutMs) yield return "protocol.deviceTimeoutMaxMs must be >= deviceTimeoutMs";
    }

    /// <summary>Milliseconds to ticks, rounding up so a timeout never fires early.</summary>
    public int Ticks(int milliseconds) => Math.Max(1, (milliseconds + TickMs - 1) / TickMs);
}

/// <summary>Applications the executors run and the data they start with.</summary>
public sealed class ApplicationSettings
{
    public List<string> Enabled { get; set; } = ["kv", "ledger", "telemetry"];
    public KvSettings Kv { get; set; } = new();
    public LedgerSettings Ledger { get; set; } = new();
    public TelemetrySettings Telemetry { get; set; } = new();

    public IEnumerable<string> Validate()
    {
        foreach (var app in Enabled)
            if (app is not ("kv" or "ledger" or "telemetry")) yield return $"applications.enabled: unknown application \"{app}\" (known: kv, ledger, telemetry)";
        if (Kv.Keys is < 1 or > 10_000_000) yield return "applications.kv.keys must be within 1..10000000";
        if (Kv.ValueBytes is < 1 or > 4096) yield return "applications.kv.valueBytes must be within 1..4096";
        if (Ledger.Accounts is < 2 or > 10_000_000) yield return "applications.ledger.accounts must be within 2..10000000";
        if (Ledger.InitialBalance < 0) yield return "applications.ledger.initialBalance must be >= 0";
    }
}

public sealed class KvSettings
{
    /// <summary>Keys loaded at start: kv/0 .. kv/(Keys-1).</summary>
    public int Keys { get; set; } = 10_000;
    public int ValueBytes { get; set; } = 32;
}

public sealed class LedgerSettings
{
    public int Accounts { get; set; } = 1_000;
    public long InitialBalance { get; set; } = 1_000;
}

public sealed class TelemetrySettings
{
    /// <summary>A reading above this value, after one at or below it, writes an alert row.</summary>
    public double AlertThreshold { get; set; } = 80.0;
}
