using EdgeIoT.Devices;

namespace EdgeIoT.DeviceSim;

/// <summary>
/// Streams every verified response the simulated devices receive to a JSON-lines file
/// (<see cref="ResponseRecord"/>), for <c>edgeiot audit</c>. Bounded: after <see cref="MaxRecords"/> it
/// writes a "truncated" line and stops, so a week-long run cannot fill the disk.
/// </summary>
internal sealed class ResponseLog : IDisposable
{
    public const long MaxRecords = 2_000_000;

    private readonly object _lock = new();
    private readonly StreamWriter _writer;
    private long _records;
    private bool _truncated;

    public ResponseLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16)) { AutoFlush = false };
    }

    public void Record(string device, DeviceResult result)
    {
        if (ResponseRecord.From(device, result) is not { } record) return;
        var line = record.ToJsonLine();
        lock (_lock)
        {
            if (_truncated) return;
            if (_records == MaxRecords)
            {
                _writer.WriteLine(ResponseRecord.TruncatedLine(_records));
                _truncated = true;
                return;
            }
            _writer.WriteLine(line);
            _records++;
        }
    }

    /// <summary>Pushes buffered lines to the file, so a simulator killed mid-run leaves at most a second's worth unwritten.</summary>
    public void Flush()
    {
        lock (_lock) _writer.Flush();
    }

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }
}
