namespace EdgeIoT.Devices;

/// <summary>A transaction signed ahead of time, with the timestamp it carries.</summary>
public readonly record struct PresignedTransaction(byte[] Jws, ulong Timestamp);

/// <summary>
/// Signs a device's transactions before a benchmark's clock starts, so the load generator's Ed25519
/// signing does not compete with the system it measures. The device sends them in order: timestamps
/// strictly increase, as gateways require (a transaction at or below the last decided one is stale).
/// </summary>
public static class Presigner
{
    /// <summary>Bound on one device's queue: a run that needs more should use more devices.</summary>
    public const int PerDeviceMax = 1_000_000;

    public static PresignedTransaction[] Presign(DeviceIdentity device, IWorkload workload, Random random, int count)
    {
        if (count is < 1 or > PerDeviceMax) throw new ArgumentOutOfRangeException(nameof(count), count, $"a device pre-signs 1..{PerDeviceMax} transactions");
        var signed = new PresignedTransaction[count];
        for (var i = 0; i < count; i++)
        {
            var item = workload.Next(random, device.Id);
            var (jws, timestamp) = device.Sign(item.App, item.Op, item.Args, item.Reads, item.Writes);
            signed[i] = new PresignedTransaction(jws, timestamp);
        }
        return signed;
    }
}
