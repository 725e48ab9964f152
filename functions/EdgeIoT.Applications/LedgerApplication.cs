using System.Globalization;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Applications;

/// <summary>
/// Accounts and transfers (the Ziziphus paper's application). Balances are integers; a transfer moves
/// an amount between two existing accounts or changes nothing, so the total balance is conserved.
/// </summary>
public sealed class LedgerApplication : IApplication
{
    public const string Prefix = "acct/";
    public string Name => "ledger";

    public static string Account(long index) => Prefix + index.ToString(CultureInfo.InvariantCulture);

    public void CollectReadHints(DeviceTransaction tx, ICollection<string> keys)
    {
        if (tx.Op == "transfer")
        {
            if (ArgReader.TryKey(tx, "from", Prefix, out var from, out _)) keys.Add(from);
            if (ArgReader.TryKey(tx, "to", Prefix, out var to, out _)) keys.Add(to);
        }
        else if (tx.Op == "balance" && ArgReader.TryKey(tx, "account", Prefix, out var account, out _))
        {
            keys.Add(account);
        }
    }

    public AppResult Execute(DeviceTransaction tx, ITxState state)
    {
        switch (tx.Op)
        {
            case "transfer": return Transfer(tx, state);
            case "balance":
            {
                if (!ArgReader.TryKey(tx, "account", Prefix, out var account, out var error)) return error;
                var balance = state.Read(account);
                return AppResult.Ok(JsonResult.Build(w =>
                {
                    w.WriteString("account", account);
                    w.WriteBoolean("found", balance is not null);
                    if (balance is not null) w.WriteNumber("balance", ParseBalance(balance));
                }));
            }
            default:
                return AppResult.UnknownOperation(Name, tx.Op);
        }
    }

    private static AppResult Transfer(DeviceTransaction tx, ITxState state)
    {
        if (!ArgReader.TryKey(tx, "from", Prefix, out var from, out var error)
            || !ArgReader.TryKey(tx, "to", Prefix, out var to, out error)
            || !ArgReader.TryInt64(tx, "amount", out var amount, out error))
            return error;
        if (amount <= 0) return AppResult.Invalid(RejectReason.InvalidArguments, "args.amount must be positive");
        if (from == to) return AppResult.Invalid(RejectReason.InvalidArguments, "args.from and args.to must differ");

        var fromText = state.Read(from);
        var toText = state.Read(to);
        if (fromText is null || toText is null)
            return Refused(fromText is null ? $"no account {from}" : $"no account {to}");
        var fromBalance = ParseBalance(fromText);
        var toBalance = ParseBalance(toText);
        if (fromBalance < amount) return Refused("insufficient funds", fromBalance);
        if (toBalance > long.MaxValue - amount) return Refused("balance overflow");

        state.Write(from, (fromBalance - amount).ToString(CultureInfo.InvariantCulture));
        state.Write(to, (toBalance + amount).ToString(CultureInfo.InvariantCulture));
        return AppResult.Ok(JsonResult.Build(w =>
        {
            w.WriteBoolean("ok", true);
            w.WriteNumber("from_balance", fromBalance - amount);
            w.WriteNumber("to_balance", toBalance + amount);
        }));
    }

    /// <summary>An application-level refusal: the transaction commits (its timestamp is used) but writes nothing.</summary>
    private static AppResult Refused(string error, long? balance = null) => AppResult.Ok(JsonResult.Build(w =>
    {
        w.WriteBoolean("ok", false);
        w.WriteString("error", error);
        if (balance is { } b) w.WriteNumber("balance", b);
    }));

    private static long ParseBalance(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"ledger balance \"{text}\" is not an integer: storage holds data this application never wrote");

    public IEnumerable<KeyValuePair<string, string>> InitialState(ApplicationSettings settings)
    {
        var balance = settings.Ledger.InitialBalance.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < settings.Ledger.Accounts; i++)
            yield return new(Account(i), balance);
    }
}
