using System.Text;

namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// MQTT 3.1.1 topic names and filters (§4.7), checked in managed code so that a programming error
/// surfaces as an <see cref="ArgumentException"/> at the call site rather than as an error code from
/// the network thread, and so that nothing unchecked reaches native code as a C string.
/// </summary>
public static class MqttTopics
{
    /// <summary>
    /// EdgeIoT's topics are under 200 bytes; the protocol allows 65,535, but a tight bound keeps
    /// encoding on the stack and catches runaway string building early.
    /// </summary>
    public const int MaxTopicBytes = 1024;

    /// <summary>mosquitto refuses topics with more than 200 separators (TOPIC_HIERARCHY_LIMIT); stay well below.</summary>
    public const int MaxTopicLevels = 128;

    public static bool IsValidTopicName(string? topic) => topic is not null && Check(topic, isFilter: false) is null;

    public static bool IsValidTopicFilter(string? filter) => filter is not null && Check(filter, isFilter: true) is null;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="topic"/> is a valid topic to publish to.</summary>
    public static void ValidateTopicName(string topic, string paramName = "topic") => Validate(topic, isFilter: false, paramName);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="filter"/> is a valid subscription filter.</summary>
    public static void ValidateTopicFilter(string filter, string paramName = "topicFilter") => Validate(filter, isFilter: true, paramName);

    /// <summary>Validates, then writes NUL-terminated UTF-8; <paramref name="destination"/> holds at least MaxTopicBytes + 1.</summary>
    internal static void EncodeTopicName(string topic, Span<byte> destination) => Encode(topic, isFilter: false, "topic", destination);

    internal static void EncodeTopicFilter(string filter, Span<byte> destination) => Encode(filter, isFilter: true, "topicFilter", destination);

    private static void Encode(string value, bool isFilter, string paramName, Span<byte> destination)
    {
        Validate(value, isFilter, paramName);
        int length = Encoding.UTF8.GetBytes(value, destination);
        destination[length] = 0;
    }

    private static void Validate(string value, bool isFilter, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        var reason = Check(value, isFilter);
        if (reason is not null)
        {
            var shown = value.Length <= 64 ? value : value[..64] + "...";
            throw new ArgumentException($"MQTT {(isFilter ? "topic filter" : "topic name")} '{shown}' {reason}", paramName);
        }
    }

    /// <returns>Why the value is invalid, or null when it is valid.</returns>
    private static string? Check(string value, bool isFilter)
    {
        if (value.Length == 0) return "is empty";
        if (value.Length > MaxTopicBytes) return $"is longer than {MaxTopicBytes} bytes";
        int utf8Bytes = 0;
        int levels = 1;
        int levelStart = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            int codePoint = c;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, value[++i]);
                utf8Bytes += 4;
            }
            else if (char.IsSurrogate(c))
            {
                return "contains an unpaired surrogate (not valid UTF-8)";
            }
            else
            {
                utf8Bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }

            if (IsForbiddenCodePoint(codePoint))
                return $"contains U+{codePoint:X4}, which MQTT forbids or libmosquitto refuses (control or non-character)";

            if (c == '/')
            {
                levels++;
                levelStart = i + 1;
            }
            else if (c is '+' or '#')
            {
                if (!isFilter) return "contains a wildcard ('+' or '#'); wildcards belong only in subscription filters";
                bool wholeLevel = i == levelStart && (i + 1 == value.Length || value[i + 1] == '/');
                if (!wholeLevel) return $"uses '{c}' inside a level; a wildcard must be a whole level";
                if (c == '#' && i + 1 != value.Length) return "has '#' before the last level";
            }
        }
        if (utf8Bytes > MaxTopicBytes) return $"is longer than {MaxTopicBytes} bytes in UTF-8";
        if (levels > MaxTopicLevels) return $"has more than {MaxTopicLevels} levels";
        return null;
    }

    /// <summary>
    /// MQTT 3.1.1 §1.5.3 forbids U+0000 and discourages controls and non-characters; libmosquitto 2.0's
    /// mosquitto_validate_utf8 refuses all of them, so a topic containing one would fail in native code.
    /// </summary>
    private static bool IsForbiddenCodePoint(int codePoint) =>
        codePoint < 0x20
        || codePoint is >= 0x7F and <= 0x9F
        || codePoint is >= 0xFDD0 and <= 0xFDEF
        || (codePoint & 0xFFFE) == 0xFFFE;
}
