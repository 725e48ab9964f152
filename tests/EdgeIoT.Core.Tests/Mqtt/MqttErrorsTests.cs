using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Core.Tests.Mqtt;

public class MqttErrorsTests
{
    [Theory]
    [InlineData(MosquittoError.Success, "No error")]
    [InlineData(MosquittoError.NoMemory, "Out of memory")]
    [InlineData(MosquittoError.Invalid, "Invalid function arguments")]
    [InlineData(MosquittoError.NoConnection, "not currently connected")]
    [InlineData(MosquittoError.ConnectionRefused, "connection was refused")]
    [InlineData(MosquittoError.ConnectionLost, "connection was lost")]
    [InlineData(MosquittoError.PayloadSize, "Payload too large")]
    [InlineData(MosquittoError.AclDenied, "ACL")]
    [InlineData(MosquittoError.AddressLookup, "Lookup error")]
    [InlineData(MosquittoError.MalformedUtf8, "Malformed UTF-8")]
    [InlineData(MosquittoError.QosNotSupported, "QoS not supported")]
    [InlineData(MosquittoError.OversizePacket, "Packet larger")]
    public void Enum_values_match_the_installed_libmosquitto(MosquittoError error, string strerrorText)
    {
        Assert.Contains(strerrorText, LibMosquitto.StrError((int)error), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Describe_names_known_codes_and_keeps_unknown_numbers()
    {
        Assert.Equal("NoConnection (4)", MqttErrors.Describe(4));
        Assert.Equal("ConnectionLost (7)", MqttErrors.Describe(7));
        Assert.Equal("mosquitto error 999", MqttErrors.Describe(999));
    }

    [Theory]
    [InlineData(MosquittoError.NoConnection, true)]
    [InlineData(MosquittoError.ConnectionLost, true)]
    [InlineData(MosquittoError.ConnectionRefused, true)]
    [InlineData(MosquittoError.Errno, true)]
    [InlineData(MosquittoError.AddressLookup, true)]
    [InlineData(MosquittoError.Keepalive, true)]
    [InlineData(MosquittoError.Protocol, true)]
    [InlineData(MosquittoError.Invalid, false)]
    [InlineData(MosquittoError.NoMemory, false)]
    [InlineData(MosquittoError.PayloadSize, false)]
    [InlineData(MosquittoError.MalformedUtf8, false)]
    [InlineData(MosquittoError.NotSupported, false)]
    [InlineData(MosquittoError.Auth, false)]
    [InlineData(MosquittoError.AclDenied, false)]
    public void Network_conditions_are_transient_and_programming_errors_are_not(MosquittoError error, bool transient)
    {
        Assert.Equal(transient, MqttErrors.IsTransient(error));
    }

    [Theory]
    [InlineData(0, false, "accepted")]
    [InlineData(1, true, "protocol version")]
    [InlineData(2, true, "identifier rejected")]
    [InlineData(3, false, "server unavailable")]
    [InlineData(4, true, "user name or password")]
    [InlineData(5, true, "not authorized")]
    [InlineData(77, true, "unknown code 77")]
    public void Connack_codes_are_described_and_only_unavailable_is_worth_retrying(int code, bool permanent, string text)
    {
        Assert.Equal(permanent, MqttErrors.IsPermanentConnackRefusal(code));
        Assert.Contains(text, MqttErrors.DescribeConnack(code));
    }

    [Fact]
    public void Exceptions_carry_the_code_and_its_description()
    {
        var error = new MqttException(MosquittoError.NoConnection, "cannot publish");
        Assert.Equal(MosquittoError.NoConnection, error.Error);
        Assert.Equal("cannot publish: NoConnection (4)", error.Message);
        var refused = new MqttConnectionRefusedException(5);
        Assert.Equal(5, refused.ConnackCode);
        Assert.Contains("not authorized", refused.Message);
    }
}
