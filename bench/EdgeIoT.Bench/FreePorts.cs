namespace EdgeIoT.Bench;

/// <summary>
/// Port ranges for benchmark points. Each point gets its own range so a port still in TIME_WAIT or
/// held by another session's test does not fail the next run; a range is used only if every port of
/// it is free right now.
/// </summary>
public sealed class FreePorts(int basePort, int stride, int slots)
{
    private int _next;

    public int Next()
    {
        for (var attempt = 0; attempt < slots; attempt++)
        {
            var start = basePort + stride * (_next++ % slots);
            if (Enumerable.Range(start, stride).All(Core.Net.LocalPorts.IsFree)) return start;
        }
        throw new InvalidOperationException($"no free range of {stride} ports in {basePort}..{basePort + stride * slots - 1}; pick another --base-port");
    }
}
