using System.Runtime.InteropServices;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// Thin P/Invoke layer over libsodium (Debian: libsodium23). Only the primitives EdgeIoT needs:
/// Ed25519 (RFC 8032), the Ed25519→X25519 conversion used to derive pairwise MAC keys, SHA-256 and
/// HMAC-SHA256. The hashes are here, not in System.Security.Cryptography, because every .NET hash call
/// on Linux goes through OpenSSL's EVP layer and clears its error queue: for the short inputs of the hot
/// path (frames, transactions) that overhead was larger than the hashing (docs/performance.md).
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
    public static partial int crypto_hash_sha256(byte* output, byte* input, ulong inputLength);

    [LibraryImport(Library)]
    public static partial nuint crypto_hash_sha256_statebytes();

    [LibraryImport(Library)]
    public static partial int crypto_hash_sha256_init(byte* state);

    [LibraryImport(Library)]
    public static partial int crypto_hash_sha256_update(byte* state, byte* input, ulong inputLength);

    [LibraryImport(Library)]
    public static partial int crypto_hash_sha256_final(byte* state, byte* output);

    [LibraryImport(Library)]
    public static partial nuint crypto_auth_hmacsha256_statebytes();

    [LibraryImport(Library)]
    public static partial int crypto_auth_hmacsha256_init(byte* state, byte* key, nuint keyLength);

    [LibraryImport(Library)]
    public static partial int crypto_auth_hmacsha256_update(byte* state, byte* input, ulong inputLength);

    [LibraryImport(Library)]
    public static partial int crypto_auth_hmacsha256_final(byte* state, byte* output);

    [LibraryImport(Library)]
    public static partial void randombytes_buf(byte* buf, nuint size);

    [LibraryImport(Library)]
    public static partial void sodium_memzero(byte* pnt, nuint len);
}
