using EdgeIoT.Devices;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// Devices submitting rounds of transactions in the background, each waiting for its response before the
/// next, with a count of the answers so far: what the fault tests break the network under.
/// </summary>
internal sealed class DeviceRounds
{
    private readonly Task<List<DeviceResult>[]> _work;
    private int _answered;

    /// <param name="submit">One round: (device, device index, round) → its result.</param>
    public DeviceRounds(IReadOnlyList<DeviceClient> devices, int rounds, Func<DeviceClient, int, int, Task<DeviceResult>> submit)
    {
        Total = devices.Count * rounds;
        _work = Task.WhenAll(devices.Select(async (device, index) =>
        {
            var results = new List<DeviceResult>(rounds);
            for (var round = 0; round < rounds; round++)
            {
                results.Add(await submit(device, index, round));
                Interlocked.Increment(ref _answered);
            }
            return results;
        }));
    }

    public int Total { get; }
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Every result, or a failed test saying how far the devices got <paramref name="limit"/> after <paramref name="after"/>.</summary>
    public async Task<List<DeviceResult>> ResultsAsync(TimeSpan limit, string after)
    {
        try
        {
            return (await _work.WaitAsync(limit)).SelectMany(r => r).ToList();
        }
        catch (TimeoutException)
        {
            // The processes' log tails follow in the test output (RunningNetwork).
            Assert.Fail($"{limit.TotalMinutes:0} min after {after} only {Answered} of {Total} transactions were answered");
            throw;
        }
    }
}
