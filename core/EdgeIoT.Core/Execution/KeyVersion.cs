namespace EdgeIoT.Core.Execution;

/// <summary>
/// The version of a stored key: which transaction last wrote it. Versions are deterministic — the
/// writer's (zone, batch sequence k, position) — so an executor can name the version a key will
/// have after an earlier transaction of the same batch, and the verifier's concurrency check is an
/// equality test. Layout: 12 bits zone index + 1, 36 bits k, 16 bits position; 0 means "initial
/// load or never written".
/// </summary>
public static class KeyVersion
{
    public const int PositionBits = 16;
    public const int SeqBits = 36;
    public const int MaxPosition = (1 << PositionBits) - 1;
    public const ulong MaxSeq = (1UL << SeqBits) - 1;
    public const int MaxZoneIndex = (1 << 12) - 2;

    public static ulong Of(int zoneIndex, ulong seq, int position)
    {
        if ((uint)zoneIndex > MaxZoneIndex) throw new ArgumentOutOfRangeException(nameof(zoneIndex));
        if (seq > MaxSeq) throw new ArgumentOutOfRangeException(nameof(seq));
        if ((uint)position > MaxPosition) throw new ArgumentOutOfRangeException(nameof(position));
        return ((ulong)(zoneIndex + 1) << (SeqBits + PositionBits)) | (seq << PositionBits) | (uint)position;
    }

    public static string Describe(ulong version) => version == 0
        ? "initial"
        : $"zone#{(version >> (SeqBits + PositionBits)) - 1} k={(version >> PositionBits) & MaxSeq} pos={version & MaxPosition}";
}
