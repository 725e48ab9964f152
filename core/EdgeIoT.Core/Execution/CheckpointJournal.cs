using System.Text.Json.Serialization;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// A certified lazy checkpoint a gateway came to hold (docs/zones.md decision Z4), as it records it in
/// <c>checkpoints.jsonl</c> in its data folder — one line each time the latest checkpoint of a zone
/// advances. `edgeiot audit` checks every line against the verifier's stored and recomputed D_seq of
/// that zone. The proof itself (a certified step) stays in the gateway's replica.db.
/// </summary>
public sealed record CheckpointJournalEntry(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("seq")] ulong Seq,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("proof")] string ProofKind,
    [property: JsonPropertyName("proof_zone")] string ProofZone,
    [property: JsonPropertyName("proof_slot")] ulong ProofSlot)
{
    public const string FileName = "checkpoints.jsonl";

    public string ToLine() => JsonLines.Line(this);

    /// <summary>Entries of a journal; a half-written last line (a crash mid-write) is skipped.</summary>
    public static IEnumerable<CheckpointJournalEntry> Read(string path) => JsonLines.Read<CheckpointJournalEntry>(path);
}
