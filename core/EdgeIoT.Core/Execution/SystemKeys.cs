using System.Globalization;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// Keys the verifier's read endpoint answers that are not application data. Applications own their
/// prefixes (kv/, acct/, tel/), so "sys/" never collides with one.
/// </summary>
public static class SystemKeys
{
    public const string DeviceTimestampPrefix = "sys/ts/";

    /// <summary>The device's last decided timestamp, as decimal text (0 when none): executors refuse older ones (decisions.md D18).</summary>
    public static string DeviceTimestamp(string device) => DeviceTimestampPrefix + device;

    public static bool TryParseDeviceTimestamp(string key, out string device)
    {
        device = key.StartsWith(DeviceTimestampPrefix, StringComparison.Ordinal) ? key[DeviceTimestampPrefix.Length..] : "";
        return device.Length > 0;
    }

    public static string Format(ulong timestamp) => timestamp.ToString(CultureInfo.InvariantCulture);

    public static ulong ParseTimestamp(string? text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
