namespace EdgeIoT.Core.Hosting;

/// <summary>Reads an HTTP request body without ever holding more than a bound (bad input never costs unbounded memory).</summary>
public static class BoundedBody
{
    /// <summary>The body's bytes, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? contentLength, int maxBytes, CancellationToken ct)
    {
        if (contentLength > maxBytes) return null;
        using var buffer = new MemoryStream(contentLength is > 0 and <= int.MaxValue ? (int)contentLength : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
