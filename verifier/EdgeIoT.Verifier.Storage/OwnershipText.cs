using System.Globalization;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Verifier.Storage;

/// <summary>The devices.lock column: a migration lock as one line of text, readable in the sqlite3 shell.</summary>
internal static class OwnershipText
{
    public static string FormatLock(MigrationLock l) => string.Join(' ',
        l.BallotN.ToString(CultureInfo.InvariantCulture), l.BallotZone, l.ToZone, Convert.ToHexStringLower(l.History.ToArray()),
        l.HistoryCount.ToString(CultureInfo.InvariantCulture), l.RequestTimestamp.ToString(CultureInfo.InvariantCulture),
        Convert.ToHexStringLower(l.RequestDigest.ToArray()), l.LockSeq.ToString(CultureInfo.InvariantCulture), l.Slot.ToString(CultureInfo.InvariantCulture));

    public static MigrationLock ParseLock(string text)
    {
        var parts = text.Split(' ');
        if (parts.Length != 9) throw new InvalidDataException($"devices.lock \"{text}\" is not a migration lock");
        return new MigrationLock(ulong.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2], new Bytes32(Convert.FromHexString(parts[3])),
            ulong.Parse(parts[4], CultureInfo.InvariantCulture), ulong.Parse(parts[5], CultureInfo.InvariantCulture),
            new Bytes32(Convert.FromHexString(parts[6])), ulong.Parse(parts[7], CultureInfo.InvariantCulture), ulong.Parse(parts[8], CultureInfo.InvariantCulture));
    }
}
