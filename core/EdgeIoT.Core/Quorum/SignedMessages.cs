using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Core.Quorum;

/// <summary>Wraps a protobuf body in a <see cref="Signed"/> envelope and checks one.</summary>
public static class SignedMessages
{
    public static Signed Sign(IMessage body, SignatureDomain domain, int signer, SigningKey key)
    {
        var bytes = body.ToByteArray();
        return new Signed
        {
            Body = ByteString.CopyFrom(bytes),
            Signer = (uint)signer,
            Signature = ByteString.CopyFrom(key.Sign(domain, bytes)),
        };
    }

    public static bool Verify(Signed signed, SignatureDomain domain, in Bytes32 publicKey) =>
        signed.Signature.Length == Ed25519.SignatureSize
        && Ed25519.Verify(publicKey, domain, signed.Body.Span, signed.Signature.Span);

    /// <summary>Parses a protobuf body, bounded by the caller's size limit; false (not an exception) on garbage.</summary>
    public static bool TryParse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, out T message) where T : IMessage<T>
    {
        try
        {
            message = parser.ParseFrom(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            message = default!;
            return false;
        }
    }
}
