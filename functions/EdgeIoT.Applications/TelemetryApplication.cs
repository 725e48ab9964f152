using System.Globalization;
using System.Text.Json;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Applications;

/// <summary>
/// Sensor telemetry (the smart-city example, serverlessbft §1.1): append a reading, keep per-sensor
/// aggregates, and write an alert row when a reading crosses the threshold upwards. A device writes
/// only under its own prefix "tel/{device}/{channel}/", so one sensor cannot forge another's data.
/// </summary>
public sealed class TelemetryApplication(double alertThreshold) : IApplication
{
    public const string Prefix = "tel/";
    public string Name => "telemetry";

    public static string SensorPrefix(string device, string channel) => $"{Prefix}{device}/{channel}/";
    public static string AggregateKey(string device, string channel) => SensorPrefix(device, channel) + "agg";

    public void CollectReadHints(DeviceTransaction tx, ICollection<string> keys)
    {
        if (TryChannel(tx, out var channel, out _)) keys.Add(AggregateKey(tx.DeviceId, channel));
    }

    public AppResult Execute(DeviceTransaction tx, ITxState state)
    {
        if (!TryChannel(tx, out var channel, out var error)) return error;
        var aggregateKey = AggregateKey(tx.DeviceId, channel);
        switch (tx.Op)
        {
            case "reading":
            {
                if (!ArgReader.TryDouble(tx, "value", out var value, out error)) return error;
                var aggregate = Aggregate.Parse(state.Read(aggregateKey));
                var alert = value > alertThreshold && (aggregate.Count == 0 || aggregate.Last <= alertThreshold);
                var updated = aggregate.Add(value);
                var prefix = SensorPrefix(tx.DeviceId, channel);
                var sequence = updated.Count.ToString(CultureInfo.InvariantCulture);
                state.Write(prefix + "r/" + sequence, JsonResult.Build(w =>
                {
                    w.WriteNumber("value", value);
                    w.WriteNumber("ts", tx.Timestamp);
                }));
                if (alert)
                {
                    state.Write(prefix + "alert/" + sequence, JsonResult.Build(w =>
                    {
                        w.WriteNumber("value", value);
                        w.WriteNumber("threshold", alertThreshold);
                        w.WriteNumber("ts", tx.Timestamp);
                    }));
                }
                state.Write(aggregateKey, updated.ToJson());
                return AppResult.Ok(JsonResult.Build(w =>
                {
                    w.WriteNumber("count", updated.Count);
                    w.WriteBoolean("alert", alert);
                }));
            }
            case "stats":
            {
                var aggregate = Aggregate.Parse(state.Read(aggregateKey));
                return AppResult.Ok(aggregate.ToJson());
            }
            default:
                return AppResult.UnknownOperation(Name, tx.Op);
        }
    }

    private static bool TryChannel(DeviceTransaction tx, out string channel, out AppResult error)
    {
        channel = "";
        if (tx.Args.ValueKind == JsonValueKind.Object && tx.Args.TryGetProperty("channel", out var element))
        {
            if (element.ValueKind != JsonValueKind.String || !Identifiers.IsValid(element.GetString()))
            {
                error = AppResult.Invalid(RejectReason.InvalidArguments, "args.channel must be an identifier");
                return false;
            }
            channel = element.GetString()!;
        }
        else
        {
            channel = "main";
        }
        error = default;
        return true;
    }

    public IEnumerable<KeyValuePair<string, string>> InitialState(ApplicationSettings settings) => [];

    /// <summary>Per-sensor aggregate; stored as JSON.</summary>
    internal readonly record struct Aggregate(long Count, double Sum, double Min, double Max, double Last)
    {
        public Aggregate Add(double value) => Count == 0
            ? new Aggregate(1, value, value, value, value)
            : new Aggregate(Count + 1, Sum + value, Math.Min(Min, value), Math.Max(Max, value), value);

        public string ToJson()
        {
            var self = this;
            return JsonResult.Build(w =>
            {
                w.WriteNumber("count", self.Count);
                if (self.Count > 0)
                {
                    w.WriteNumber("sum", self.Sum);
                    w.WriteNumber("min", self.Min);
                    w.WriteNumber("max", self.Max);
                    w.WriteNumber("last", self.Last);
                }
            });
        }

        public static Aggregate Parse(string? json)
        {
            if (json is null) return default;
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var count = root.GetProperty("count").GetInt64();
            return count == 0
                ? default
                : new Aggregate(count, root.GetProperty("sum").GetDouble(), root.GetProperty("min").GetDouble(),
                    root.GetProperty("max").GetDouble(), root.GetProperty("last").GetDouble());
        }
    }
}
