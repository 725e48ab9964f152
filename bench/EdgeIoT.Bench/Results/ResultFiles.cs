using System.Globalization;
using System.Text;
using EdgeIoT.Bench.Experiments;

namespace EdgeIoT.Bench.Results;

/// <summary>
/// The results folder: one JSON per run, and per experiment a CSV of its runs, a gnuplot script and,
/// when gnuplot is installed, the PNG it draws. Files are written beside and renamed, so a reader
/// never sees half of one.
/// </summary>
public sealed class ResultFiles(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string ExperimentDir(Experiment experiment) => Path.Combine(Root, experiment.Id.ToLowerInvariant());

    public static string RunFileName(RunResult run) =>
        $"{run.Series}-{run.X.ToString("0.###", CultureInfo.InvariantCulture)}.json";

    public string WriteRun(Experiment experiment, RunResult run)
    {
        var path = Path.Combine(ExperimentDir(experiment), RunFileName(run));
        WriteAtomically(path, run.ToJson() + "\n");
        return path;
    }

    public const string CsvHeader = "series,x,ok,throughput_tps,latency_p50_ms,latency_p90_ms,latency_p99_ms,committed,aborted,duration_s";

    /// <summary>The CSV of an experiment's runs, ordered by series then x (what the plot reads).</summary>
    public static string Csv(IEnumerable<RunResult> runs)
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in runs.OrderBy(r => r.Series, StringComparer.Ordinal).ThenBy(r => r.X))
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Series},{r.X},{(r.Ok ? 1 : 0)},{r.ThroughputTps},{r.LatencyMs.P50},{r.LatencyMs.P90},{r.LatencyMs.P99},{r.Committed},{r.Aborted},{r.DurationSeconds}\n"));
        return text.ToString();
    }

    public (string Csv, string Script, string Png) WriteTable(Experiment experiment, IReadOnlyList<RunResult> runs)
    {
        var dir = ExperimentDir(experiment);
        var name = experiment.Id.ToLowerInvariant();
        var csv = Path.Combine(dir, name + ".csv");
        var png = Path.Combine(dir, name + ".png");
        var script = Path.Combine(dir, name + ".gp");
        WriteAtomically(csv, Csv(runs));
        WriteAtomically(script, GnuplotFigure.Script(experiment, runs.Where(r => r.Ok).Select(r => r.Series).Distinct().Order(StringComparer.Ordinal).ToList(), Path.GetFileName(csv), Path.GetFileName(png)));
        return (csv, script, png);
    }

    public static void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        File.WriteAllText(partial, text);
        File.Move(partial, path, overwrite: true);
    }
}
