using System.Text.Json;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Applications;

/// <summary>Typed access to a transaction's "args" object with bounded, explained failures.</summary>
internal static class ArgReader
{
    public const int MaxStringLength = 1024;

    public static bool TryString(DeviceTransaction tx, string name, out string value, out AppResult error, int maxLength = MaxStringLength)
    {
        value = "";
        if (tx.Args.ValueKind != JsonValueKind.Object || !tx.Args.TryGetProperty(name, out var element)
            || element.ValueKind != JsonValueKind.String)
        {
            error = AppResult.Invalid(RejectReason.InvalidArguments, $"args.{name} must be a string");
            return false;
        }
        value = element.GetString()!;
        if (value.Length > maxLength)
        {
            error = AppResult.Invalid(RejectReason.InvalidArguments, $"args.{name} is longer than {maxLength} characters");
            return false;
        }
        error = default;
        return true;
    }

    public static bool TryInt64(DeviceTransaction tx, string name, out long value, out AppResult error)
    {
        value = 0;
        if (tx.Args.ValueKind != JsonValueKind.Object || !tx.Args.TryGetProperty(name, out var element)
            || element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out value))
        {
            error = AppResult.Invalid(RejectReason.InvalidArguments, $"args.{name} must be an integer");
            return false;
        }
        error = default;
        return true;
    }

    public static bool TryDouble(DeviceTransaction tx, string name, out double value, out AppResult error)
    {
        value = 0;
        if (tx.Args.ValueKind != JsonValueKind.Object || !tx.Args.TryGetProperty(name, out var element)
            || element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out value) || !double.IsFinite(value))
        {
            error = AppResult.Invalid(RejectReason.InvalidArguments, $"args.{name} must be a finite number");
            return false;
        }
        error = default;
        return true;
    }

    /// <summary>A key argument that must lie in the application's own namespace.</summary>
    public static bool TryKey(DeviceTransaction tx, string name, string prefix, out string key, out AppResult error)
    {
        if (!TryString(tx, name, out key, out error, DeviceTransaction.MaxKeyLength)) return false;
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.Length == prefix.Length)
        {
            error = AppResult.Invalid(RejectReason.InvalidArguments, $"args.{name} must be a key under \"{prefix}\"");
            return false;
        }
        return true;
    }
}
