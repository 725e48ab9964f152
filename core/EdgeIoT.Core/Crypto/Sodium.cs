using System.Runtime.InteropServices;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// Thin P/Invoke layer over libsodium (Debian: libsodium23). Only the primitives EdgeIoT needs:
/// Ed25519 (RFC 8032) and the Ed25519→X25519 conversion used to derive pairwise MAC keys.
/// </summary>
internal static unsafe partial class Sodium
{
    private const string Library = "sodium";

    public const int PublicKeyBytes = 32;
    public const int SecretKeyBytes = 64;
    public const int SeedBytes = 32;
    public const int SignatureBytes = 64;
    public const int Curve25519Bytes = 32;

    static Sodium()
    {
        NativeLibraries.EnsureRegistered();
        if (sodium_init() < 0)
            throw new InvalidOperationException("libsodium failed to initialise (sodium_init < 0)");
    }

    /// <summary>Forces the static constructor (library load and sodium_init) to run.</summary>
    public static void EnsureInitialized() { }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_seed_keypair(byte* pk, byte* sk, byte* seed);

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_detached(byte* sig, ulong* siglen, byte* m, ulong mlen, byte* sk);

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_verify_detached(byte* sig, byte* m, ulong mlen, byte* pk);

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_pk_to_curve25519(byte* curvePk, byte* edPk);

    [LibraryImport(Library)]
    public static partial int crypto_sign_ed25519_sk_to_curve25519(byte* curveSk, byte* edSk);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_curve25519(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    public static partial void randombytes_buf(byte* buf, nuint size);

    [LibraryImport(Library)]
    public static partial void sodium_memzero(byte* pnt, nuint len);
}
