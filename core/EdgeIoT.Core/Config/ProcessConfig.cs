using System.Text.Json;

namespace EdgeIoT.Core.Config;

/// <summary>
/// One process's own configuration file: which identity it runs as, where its secret key and state
/// live, where it listens. Paths are relative to the file's folder.
/// </summary>
public sealed class ProcessConfig
{
    public string Role { get; set; } = "";
    public string Id { get; set; } = "";
    public string Registry { get; set; } = "network.json";
    public string KeyFile { get; set; } = "";
    public string DataDir { get; set; } = "";
    /// <summary>host:port to listen on (HTTP for executors and the verifier, TCP for gateway peers).</summary>
    public string Listen { get; set; } = "";
    /// <summary>Fault injection for tests: a named byzantine behaviour, or null for a correct process.</summary>
    public string? Byzantine { get; set; }
    public string LogLevel { get; set; } = "info";

    [System.Text.Json.Serialization.JsonIgnore] public string BaseDirectory { get; private set; } = ".";

    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));

    public static ProcessConfig Load(string path)
    {
        ProcessConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ProcessConfig>(File.ReadAllBytes(path), NetworkRegistry.JsonOptions);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new ConfigurationException($"{path}: cannot read process configuration: {e.Message}");
        }
        if (config is null) throw new ConfigurationException($"{path}: empty configuration");
        config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return config;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, NetworkRegistry.JsonOptions));
}
