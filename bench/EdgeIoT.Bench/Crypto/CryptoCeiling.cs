using System.Diagnostics;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Bench.Crypto;

/// <summary>Ed25519 verifications per second this machine does, on one core and on all of them.</summary>
public sealed record CryptoCeilingResult(double VerificationsPerSecondOneCore, double VerificationsPerSecondAllCores, int Cores, double Seconds);

/// <summary>
/// The crypto ceiling of issue 6: libsodium Ed25519 verifications of a typical device transaction
/// (about 300 bytes), for a fixed time on one thread and then on one thread per core. End-to-end
/// throughput is compared with this divided by the verifications each transaction needs.
/// </summary>
public static class CryptoCeiling
{
    public const int MessageBytes = 300;

    public static CryptoCeilingResult Measure(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "measure for a positive time");
        using var key = SigningKey.Generate();
        var message = new byte[MessageBytes];
        SigningKey.RandomBytes(message);
        var signature = key.Sign(message);
        var publicKey = key.PublicKey;
        double Run()
        {
            long count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                for (var i = 0; i < 64; i++)
                    if (!Ed25519.Verify(publicKey, message, signature)) throw new InvalidOperationException("a valid signature did not verify");
                count += 64;
            }
            return count / clock.Elapsed.TotalSeconds;
        }
        var one = Run();
        var cores = Environment.ProcessorCount;
        var all = new double[cores];
        Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, i => all[i] = Run());
        return new CryptoCeilingResult(Math.Round(one), Math.Round(all.Sum()), cores, duration.TotalSeconds);
    }
}
