using System.Text.Json;

namespace EdgeIoT.Core.Execution;

/// <summary>The gateways' append-only journals (<c>global.jsonl</c>, <c>checkpoints.jsonl</c>): one JSON object per line.</summary>
public static class JsonLines
{
    public static string Line<T>(T entry) => JsonSerializer.Serialize(entry);

    /// <summary>Entries of a journal; a half-written last line (a crash mid-write) is skipped.</summary>
    public static IEnumerable<T> Read<T>(string path) where T : class
    {
        foreach (var line in File.ReadLines(path))
        {
            T? entry = null;
            try { entry = JsonSerializer.Deserialize<T>(line); }
            catch (JsonException) { }
            if (entry is not null) yield return entry;
        }
    }
}
