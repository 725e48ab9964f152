using System.Text.Json;

namespace EdgeIoT.Cli.Up;

/// <summary>The device simulator's latest stats, the ones before (for rates) and its summary once printed.</summary>
public sealed class StatsTracker
{
    public SimulatorStats? Latest { get; private set; }
    public SimulatorStats? Previous { get; private set; }
    public SimulatorStats? Summary { get; private set; }

    /// <summary>What the run ended with: the summary, else the last stats.</summary>
    public SimulatorStats? Final => Summary ?? Latest;

    public void Observe(JsonElement line)
    {
        if (SimulatorStats.TryParse(line) is not { } stats) return;
        if (stats.IsSummary)
        {
            Summary = stats;
            return;
        }
        Previous = Latest;
        Latest = stats;
    }
}
