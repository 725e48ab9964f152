using EdgeIoT.Wire;

namespace EdgeIoT.Functions.Protocol;

/// <summary>
/// A byzantine executor strategy (fault injection for tests and the simulator): the real executor
/// with one step swapped for a misbehaving one, in the manner of CometBFT's byzantine tests.
/// </summary>
public interface IExecutorFault
{
    /// <summary>Alters the outcomes before they are signed.</summary>
    void Corrupt(string zone, ulong seq, Outcomes outcomes);
}

/// <summary>Reports wrong results: every committed transaction's result and written values are altered.</summary>
public sealed class WrongResultsFault : IExecutorFault
{
    public void Corrupt(string zone, ulong seq, Outcomes outcomes)
    {
        foreach (var outcome in outcomes.Items)
        {
            if (outcome.Status != TxStatus.Committed) continue;
            outcome.Result = "{\"forged\":true}";
            foreach (var write in outcome.Writes) write.Value = "forged-by-byzantine-executor";
        }
    }
}

public static class ExecutorFaults
{
    /// <summary>Maps a configuration name to a strategy; null for a correct executor.</summary>
    /// <summary>Behaviours of the executor host rather than of its execution (see ExecuteEndpoint).</summary>
    public const string FloodVerify = "flood-verify";

    public static IExecutorFault? FromName(string? name) => name switch
    {
        null or "" or "none" or FloodVerify => null,
        "wrong-results" => new WrongResultsFault(),
        _ => throw new Core.Config.ConfigurationException($"unknown executor behaviour \"{name}\" (known: none, wrong-results, {FloodVerify})"),
    };
}
