using System.Globalization;

namespace EdgeIoT.Functions;

/// <summary>
/// Benchmarks only: a wide-area executor emulated on loopback (this machine's kernel has no netem).
/// The executor waits <see cref="OneWayMs"/> after an EXECUTE arrives and again before it sends VERIFY,
/// standing for the two one-way trips gateway → region → verifier (serverlessbft §9.5, executors in
/// distant regions). Reads from the verifier are not delayed: an executor in the cloud reads storage
/// near it.
/// </summary>
public sealed record EmulatedDelay(int OneWayMs)
{
    public const int OneWayMsMax = 10_000;
    public static readonly EmulatedDelay None = new(0);

    public Task WaitAsync(CancellationToken ct) => OneWayMs > 0 ? Task.Delay(OneWayMs, ct) : Task.CompletedTask;

    /// <summary>The host's arguments beyond the common ones: only <c>--emulated-delay-ms N</c> is known.</summary>
    public static EmulatedDelay Parse(IReadOnlyList<string> rest, string usage)
    {
        var delay = None;
        for (var i = 0; i < rest.Count; i++)
        {
            if (rest[i] != "--emulated-delay-ms" || i + 1 >= rest.Count)
                throw new ArgumentException($"unexpected argument \"{rest[i]}\"\nusage: {usage}");
            var text = rest[++i];
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > OneWayMsMax)
                throw new ArgumentException($"--emulated-delay-ms must be a whole number within 0..{OneWayMsMax}, got \"{text}\"");
            delay = new EmulatedDelay(ms);
        }
        return delay;
    }
}
