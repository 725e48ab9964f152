using System.Globalization;

namespace EdgeIoT.Cli.Commands;

/// <summary>A command line the user got wrong; the CLI prints the message and the usage and exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The options of one command: <c>--name value</c>, <c>--name=value</c> or a bare <c>--flag</c>. Every
/// option must be declared; anything else is a usage error.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    public string Command { get; }

    public static CommandLine Parse(string command, IReadOnlyList<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flags)
    {
        var result = new CommandLine(command);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"{command}: unexpected argument \"{arg}\"");
            var equals = arg.IndexOf('=');
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            if (result._values.ContainsKey(name)) throw new UsageException($"{command}: --{name} is given twice");
            if (flags.Contains(name))
            {
                if (equals >= 0) throw new UsageException($"{command}: --{name} takes no value");
                result._values[name] = null;
            }
            else if (valueOptions.Contains(name))
            {
                if (equals >= 0) result._values[name] = arg[(equals + 1)..];
                else if (i + 1 < args.Count) result._values[name] = args[++i];
                else throw new UsageException($"{command}: --{name} needs a value");
            }
            else
            {
                throw new UsageException($"{command}: unknown option --{name}");
            }
        }
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string String(string name, string fallback) => _values.GetValueOrDefault(name) ?? fallback;

    public string? String(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min, int max)
    {
        if (_values.GetValueOrDefault(name) is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"{Command}: --{name} must be a whole number within {min}..{max}, got \"{text}\"");
        return value;
    }

    public ulong? ULong(string name)
    {
        if (_values.GetValueOrDefault(name) is not { } text) return null;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new UsageException($"{Command}: --{name} must be a whole number within 0..{ulong.MaxValue}, got \"{text}\"");
        return value;
    }

    public string Choice(string name, string fallback, IReadOnlyList<string> choices)
    {
        var value = String(name, fallback);
        if (!choices.Contains(value)) throw new UsageException($"{Command}: --{name} must be one of {string.Join(", ", choices)}, got \"{value}\"");
        return value;
    }
}
