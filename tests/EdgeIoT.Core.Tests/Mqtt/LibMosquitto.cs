using System.Runtime.InteropServices;
using System.Text;

namespace EdgeIoT.Core.Tests.Mqtt;

/// <summary>libmosquitto's own checks, as a reference for the managed ones (no broker involved).</summary>
internal static unsafe partial class LibMosquitto
{
    private const string Library = "libmosquitto.so.1";

    public static bool AcceptsTopicName(string topic) => Check(topic, filter: false);

    public static bool AcceptsTopicFilter(string filter) => Check(filter, filter: true);

    public static string StrError(int rc) => Marshal.PtrToStringUTF8((nint)mosquitto_strerror(rc)) ?? "";

    private static bool Check(string value, bool filter)
    {
        // Lone surrogates have no UTF-8 form; encode them the way a careless caller would (WTF-8 style
        // via replacement would hide the error), so use the strict encoder and treat failure as refusal.
        byte[] utf8;
        try
        {
            utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(value);
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
        fixed (byte* p = utf8)
        {
            if (mosquitto_validate_utf8(p, utf8.Length) != 0) return false;
            return (filter ? mosquitto_sub_topic_check2(p, (nuint)utf8.Length) : mosquitto_pub_topic_check2(p, (nuint)utf8.Length)) == 0
                && utf8.Length > 0;
        }
    }

    [LibraryImport(Library)]
    private static partial int mosquitto_validate_utf8(byte* value, int length);

    [LibraryImport(Library)]
    private static partial int mosquitto_pub_topic_check2(byte* topic, nuint length);

    [LibraryImport(Library)]
    private static partial int mosquitto_sub_topic_check2(byte* filter, nuint length);

    [LibraryImport(Library)]
    private static partial byte* mosquitto_strerror(int rc);
}
