using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// A zone's system entries (LOCK, ADOPT; docs/zones.md) inside its PBFT batches: the byte 0x00 then a
/// serialized <see cref="SystemEntry"/>. A device envelope is JWS compact text, which never starts with
/// 0x00, so the two can never be confused.
/// </summary>
public static class SystemEntries
{
    public const byte Marker = 0x00;
    /// <summary>Largest system entry anyone accepts: a certified step (one device request, a few endorsements).</summary>
    public const int MaxBytes = 32 * 1024;

    public static bool IsSystem(ReadOnlySpan<byte> raw) => raw.Length > 0 && raw[0] == Marker;

    public static byte[] Encode(SystemEntry entry)
    {
        var body = entry.ToByteArray();
        var raw = new byte[body.Length + 1];
        raw[0] = Marker;
        body.CopyTo(raw, 1);
        return raw;
    }

    public static bool TryDecode(ReadOnlySpan<byte> raw, out SystemEntry entry, out string reason)
    {
        entry = null!;
        if (!IsSystem(raw)) { reason = "not a system entry"; return false; }
        if (raw.Length > MaxBytes) { reason = $"system entry of {raw.Length} bytes exceeds {MaxBytes}"; return false; }
        try
        {
            entry = SystemEntry.Parser.ParseFrom(raw[1..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            reason = $"malformed system entry: {e.Message}";
            return false;
        }
        if (entry.KindCase == SystemEntry.KindOneofCase.None) { reason = "system entry of no known kind"; return false; }
        reason = "";
        return true;
    }
}
