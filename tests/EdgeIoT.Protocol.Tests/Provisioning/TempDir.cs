namespace EdgeIoT.Protocol.Tests.Provisioning;

/// <summary>A fresh folder under the system temp dir, deleted with the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgeiot-provisioning-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
