namespace EdgeIoT.Bench.Experiments;

/// <summary>Bounds the bench shares with the device simulator (kept equal to Presigner.PerDeviceMax).</summary>
public static class SystemLimits
{
    public const int PresignPerDeviceMax = 1_000_000;
}
