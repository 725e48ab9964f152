using EdgeIoT.Core.Config;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// Private key files: the 32-byte Ed25519 seed as base64url on one line, created with mode 0600 so
/// that no other user can read it.
/// </summary>
public static class KeyFile
{
    public static void Write(string path, SigningKey key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        var seed = key.ExportSeed();
        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.WriteLine(Base64Url.Encode(seed));
        }
        finally
        {
            Array.Clear(seed);
        }
        // A pre-existing file keeps its old mode on FileMode.Create; tighten it explicitly.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public static SigningKey Read(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"key file {path} does not exist");
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new ConfigurationException($"key file {path} is readable or writable by others (mode {Convert.ToString((int)mode, 8)}); chmod 600 it");
        byte[] seed;
        try
        {
            seed = Base64Url.Decode(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            throw new ConfigurationException($"key file {path} does not hold a base64url Ed25519 seed");
        }
        if (seed.Length != Ed25519.SeedSize) throw new ConfigurationException($"key file {path}: a seed is {Ed25519.SeedSize} bytes, found {seed.Length}");
        try { return SigningKey.FromSeed(seed); }
        finally { Array.Clear(seed); }
    }
}
