using System.Globalization;

namespace EdgeIoT.Cli.Up;

/// <summary>Resident memory of a running process, from Linux's /proc.</summary>
public static class ProcessMemory
{
    /// <summary>
    /// The peak resident set (VmHWM, the kernel's high-water mark) of <paramref name="pid"/> in MiB, or
    /// null when the process is gone or this is not Linux.
    /// </summary>
    public static double? PeakResidentMiB(int pid) => ReadKiB($"/proc/{pid}/status", "VmHWM:") is { } kib ? kib / 1024.0 : null;

    /// <summary>A "Key:   1234 kB" line of a /proc status file, in KiB.</summary>
    public static long? ReadKiB(string statusPath, string key)
    {
        string[] lines;
        try { lines = File.ReadAllLines(statusPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        foreach (var line in lines)
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var fields = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 1 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib)) return kib;
        }
        return null;
    }
}
