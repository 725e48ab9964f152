namespace EdgeIoT.Cli.Up;

/// <summary>What a benchmark number ran on: core count and CPU model.</summary>
public sealed record MachineInfo(int Cores, string CpuModel)
{
    public static MachineInfo Current() => new(Environment.ProcessorCount, CpuModelFrom("/proc/cpuinfo"));

    /// <summary>The "model name" line on x86; ARM kernels name the CPU in "Model" or "Hardware" instead.</summary>
    public static string CpuModelFrom(string cpuinfoPath)
    {
        string[] lines;
        try { lines = File.ReadAllLines(cpuinfoPath); }
        catch (IOException) { return "unknown"; }
        foreach (var key in new[] { "model name", "Model", "Hardware" })
            foreach (var line in lines)
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == key && line[(colon + 1)..].Trim() is { Length: > 0 } value) return value;
            }
        return "unknown";
    }
}
