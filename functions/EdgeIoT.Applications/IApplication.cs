using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Applications;

/// <summary>
/// A deterministic application the executors run. Given the same transaction and the same reads it
/// must produce the same result and writes on every executor: no clocks, no randomness, no I/O, no
/// dependence on dictionary order. An application owns a key prefix and never touches other keys.
/// </summary>
public interface IApplication
{
    string Name { get; }

    /// <summary>Keys the transaction will read, known from its arguments alone; lets the executor fetch them in one round trip.</summary>
    void CollectReadHints(DeviceTransaction tx, ICollection<string> keys);

    /// <summary>Executes <paramref name="tx"/> against <paramref name="state"/>.</summary>
    AppResult Execute(DeviceTransaction tx, ITxState state);

    /// <summary>Rows the store starts with (a pure function of the settings, so an audit can replay from it).</summary>
    IEnumerable<KeyValuePair<string, string>> InitialState(ApplicationSettings settings);
}

/// <summary>What an application sees of storage while executing one transaction.</summary>
public interface ITxState
{
    /// <summary>The current value, or null when absent. Records the read (key and version) for the verifier's check.</summary>
    string? Read(string key);
    void Write(string key, string value);
}

/// <summary>An application's verdict: a JSON result, or a refusal of the request as invalid.</summary>
public readonly struct AppResult
{
    public string ResultJson { get; }
    public Rejection? Rejection { get; }

    private AppResult(string resultJson, Rejection? rejection)
    {
        ResultJson = resultJson;
        Rejection = rejection;
    }

    public static AppResult Ok(string resultJson) => new(resultJson, null);
    public static AppResult Invalid(RejectReason reason, string detail) => new("", new Rejection(reason, detail));
    public static AppResult UnknownOperation(string app, string op) => Invalid(RejectReason.UnknownOperation, $"{app} has no operation \"{op}\"");
}
