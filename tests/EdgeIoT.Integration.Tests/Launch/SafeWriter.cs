using System.Text;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>A TextWriter a test can read while the CLI writes to it from other threads.</summary>
internal sealed class SafeWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock) _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_lock) _text.Append(value);
    }

    public override void WriteLine(string? value)
    {
        lock (_lock) _text.Append(value).Append('\n');
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public string Text
    {
        get { lock (_lock) return _text.ToString(); }
    }
}
