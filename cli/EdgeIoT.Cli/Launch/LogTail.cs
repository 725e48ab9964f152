namespace EdgeIoT.Cli.Launch;

/// <summary>The last lines a process printed, bounded, for error messages.</summary>
public sealed class LogTail(int linesMax)
{
    private readonly Queue<string> _lines = new(linesMax);
    private readonly Lock _lock = new();

    public void Add(string line)
    {
        lock (_lock)
        {
            if (_lines.Count == linesMax) _lines.Dequeue();
            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Last(int count)
    {
        lock (_lock) return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
    }
}
