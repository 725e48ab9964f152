using System.Buffers;
using B64 = System.Buffers.Text.Base64Url;

namespace EdgeIoT.Core.Text;

/// <summary>base64url without padding (RFC 4648 §5), as JWS requires (RFC 7515 §2).</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => B64.EncodeToString(data);

    public static byte[] Decode(string text) => B64.DecodeFromChars(text);

    /// <summary>Decodes UTF-8 base64url text; false on any character outside the alphabet or on padding.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out byte[] result)
    {
        result = [];
        if (utf8.IndexOf((byte)'=') >= 0) return false;
        if (!B64.IsValid(utf8, out var decodedLength)) return false;
        var buffer = new byte[decodedLength];
        var status = B64.DecodeFromUtf8(utf8, buffer, out _, out var written);
        if (status != OperationStatus.Done || written != decodedLength) return false;
        result = buffer;
        return true;
    }
}
