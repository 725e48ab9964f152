using EdgeIoT.Core.Config;

namespace EdgeIoT.Applications;

/// <summary>The applications a network enables, by name.</summary>
public sealed class ApplicationSet
{
    private readonly Dictionary<string, IApplication> _byName;

    public ApplicationSet(ApplicationSettings settings)
    {
        Settings = settings;
        var all = new IApplication[] { new KvApplication(), new LedgerApplication(), new TelemetryApplication(settings.Telemetry.AlertThreshold) };
        _byName = all.Where(a => settings.Enabled.Contains(a.Name)).ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public ApplicationSettings Settings { get; }
    public IEnumerable<IApplication> All => _byName.Values;

    public bool TryGet(string name, out IApplication application) => _byName.TryGetValue(name, out application!);

    /// <summary>Every enabled application's initial rows, in a fixed order.</summary>
    public IEnumerable<KeyValuePair<string, string>> InitialState() =>
        _byName.Values.OrderBy(a => a.Name, StringComparer.Ordinal).SelectMany(a => a.InitialState(Settings));
}
