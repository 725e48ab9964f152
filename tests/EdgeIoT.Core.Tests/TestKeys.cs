using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Core.Tests;

/// <summary>A device directory over freshly generated keys.</summary>
internal sealed class TestDevices : IDeviceDirectory, IDisposable
{
    private readonly Dictionary<string, SigningKey> _keys = new();

    public SigningKey Key(string deviceId)
    {
        if (!_keys.TryGetValue(deviceId, out var key)) _keys[deviceId] = key = SigningKey.Generate();
        return key;
    }

    public bool TryGetDeviceKey(string deviceId, out Bytes32 publicKey)
    {
        if (_keys.TryGetValue(deviceId, out var key)) { publicKey = key.PublicKey; return true; }
        publicKey = default;
        return false;
    }

    public byte[] Sign(string deviceId, string payloadJson) =>
        JwsCompact.Sign(Key(deviceId), deviceId, System.Text.Encoding.UTF8.GetBytes(payloadJson));

    public void Dispose()
    {
        foreach (var key in _keys.Values) key.Dispose();
    }
}
