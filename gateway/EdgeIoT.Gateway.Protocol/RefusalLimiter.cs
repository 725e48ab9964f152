using System.Collections.Concurrent;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// At most <see cref="PerDevicePerSecond"/> refusals per device per second (decisions.md D10): forged
/// traffic naming a device cannot turn a gateway into an amplifier aimed at it.
/// </summary>
public sealed class RefusalLimiter
{
    public const int PerDevicePerSecond = 5;
    private readonly ConcurrentDictionary<string, (long Second, int Count)> _budget = new(StringComparer.Ordinal);

    public bool ShouldReport(string device, long nowSeconds)
    {
        if (_budget.Count > 100_000) _budget.Clear();
        var budget = _budget.AddOrUpdate(device, (nowSeconds, 1), (_, b) => b.Second == nowSeconds ? (nowSeconds, b.Count + 1) : (nowSeconds, 1));
        return budget.Count <= PerDevicePerSecond;
    }
}
