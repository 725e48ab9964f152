using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Applications;

/// <summary>
/// YCSB-style key-value store over keys "kv/0".."kv/(N-1)" loaded at start: read, update and
/// read-modify-write (serverlessbft §9's benchmark).
/// </summary>
public sealed class KvApplication : IApplication
{
    public const string Prefix = "kv/";
    public const int MaxValueLength = 4096;
    /// <summary>Bound on a "work" transaction's rounds (about half a second of SHA-256 on a laptop core).</summary>
    public const int WorkRoundsMax = 1_000_000;
    public string Name => "kv";

    public static string Key(long index) => Prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void CollectReadHints(DeviceTransaction tx, ICollection<string> keys)
    {
        if (tx.Op is "read" or "rmw" or "work" && ArgReader.TryKey(tx, "key", Prefix, out var key, out _)) keys.Add(key);
    }

    public AppResult Execute(DeviceTransaction tx, ITxState state)
    {
        if (!ArgReader.TryKey(tx, "key", Prefix, out var key, out var error)) return error;
        switch (tx.Op)
        {
            case "read":
            {
                var value = state.Read(key);
                return AppResult.Ok(JsonResult.Build(w =>
                {
                    w.WriteString("key", key);
                    w.WriteBoolean("found", value is not null);
                    if (value is not null) w.WriteString("value", value);
                }));
            }
            case "update":
            {
                if (!ArgReader.TryString(tx, "value", out var value, out error, MaxValueLength)) return error;
                state.Write(key, value);
                return AppResult.Ok(JsonResult.Build(w => w.WriteString("key", key)));
            }
            case "rmw":
            {
                // Read-modify-write: the new value depends on the old one, so a stale read must abort.
                if (!ArgReader.TryString(tx, "value", out var suffix, out error, MaxValueLength)) return error;
                var old = state.Read(key) ?? "";
                var updated = old.Length + suffix.Length <= MaxValueLength ? old + suffix : suffix;
                state.Write(key, updated);
                return AppResult.Ok(JsonResult.Build(w =>
                {
                    w.WriteString("key", key);
                    w.WriteNumber("length", updated.Length);
                }));
            }
            case "work":
                return Work(tx, state, key);
            default:
                return AppResult.UnknownOperation(Name, tx.Op);
        }
    }

    /// <summary>
    /// Synthetic execution length (serverlessbft §9.4): hash the key's value <c>rounds</c> times with
    /// SHA-256 and store the hex digest. Deterministic and pure CPU, so every executor agrees and the
    /// work cannot be skipped.
    /// </summary>
    private static AppResult Work(DeviceTransaction tx, ITxState state, string key)
    {
        if (!ArgReader.TryInt64(tx, "rounds", out var rounds, out var error)) return error;
        if (rounds is < 0 or > WorkRoundsMax) return AppResult.Invalid(RejectReason.InvalidArguments, $"rounds must be within 0..{WorkRoundsMax}, got {rounds}");
        Span<byte> digest = stackalloc byte[32];
        Span<byte> next = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(state.Read(key) ?? ""), digest);
        for (var i = 1; i < rounds; i++)
        {
            SHA256.HashData(digest, next);
            next.CopyTo(digest);
        }
        var value = Convert.ToHexStringLower(digest);
        state.Write(key, value);
        return AppResult.Ok(JsonResult.Build(w =>
        {
            w.WriteString("key", key);
            w.WriteNumber("rounds", rounds);
        }));
    }

    public IEnumerable<KeyValuePair<string, string>> InitialState(ApplicationSettings settings)
    {
        for (var i = 0; i < settings.Kv.Keys; i++)
            yield return new(Key(i), InitialValue(i, settings.Kv.ValueBytes));
    }

    private static string InitialValue(int index, int length)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(Key(index))));
        var builder = new StringBuilder(length);
        while (builder.Length < length) builder.Append(hex);
        return builder.ToString(0, length);
    }
}
