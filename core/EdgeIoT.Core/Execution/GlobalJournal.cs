using System.Text.Json.Serialization;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// One executed global transaction as a gateway records it in <c>global.jsonl</c> in its data folder:
/// what `edgeiot audit` compares across gateways (ziziphus: global metadata is identical on every
/// correct gateway) and against the verifier's migrations.
/// </summary>
public sealed record GlobalJournalEntry(
    [property: JsonPropertyName("slot")] ulong Slot,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("metadata")] string MetadataDigest)
{
    public const string FileName = "global.jsonl";

    public string ToLine() => JsonLines.Line(this);

    /// <summary>Entries of a journal; a half-written last line (a crash mid-write) is skipped.</summary>
    public static IEnumerable<GlobalJournalEntry> Read(string path) => JsonLines.Read<GlobalJournalEntry>(path);
}
