using System.Buffers;
using System.Text;
using System.Text.Json;

namespace EdgeIoT.Applications;

/// <summary>
/// Builds result JSON deterministically (property order as written, shortest round-trip numbers), so
/// every correct executor produces byte-identical results.
/// </summary>
internal static class JsonResult
{
    public static string Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
