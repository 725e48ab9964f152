namespace EdgeIoT.Devices;

public sealed class DeviceClientOptions
{
    /// <summary>First response timeout; doubles after each retry up to <see cref="ResponseTimeoutMaxMs"/> (serverlessbft §5.1.2).</summary>
    public int ResponseTimeoutMs { get; set; } = 3000;
    public int ResponseTimeoutMaxMs { get; set; } = 30_000;
    /// <summary>A submission gives up (TimedOut) after this long in all.</summary>
    public int SubmitDeadlineMs { get; set; } = 120_000;
    /// <summary>Gateways that must give the same refusal before the device believes it (f_R + 1).</summary>
    public int RefusalQuorum { get; set; } = 2;
}
