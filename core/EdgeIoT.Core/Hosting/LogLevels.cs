using EdgeIoT.Core.Config;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Core.Hosting;

public static class LogLevels
{
    public static LogLevel Parse(string? level) => (level ?? "info").ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ConfigurationException($"unknown log level \"{level}\" (trace, debug, info, warning, error)"),
    };
}
