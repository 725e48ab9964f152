using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Core.Tests.Mqtt;

public class MqttClientOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        var options = new MqttClientOptions();
        options.Validate();
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(1883, options.Port);
        Assert.Equal(30, options.KeepAliveSeconds);
        Assert.True(options.CleanSession);
        Assert.Equal(256 * 1024, options.MaxPayloadBytes);
    }

    public static TheoryData<string, Action<MqttClientOptions>> InvalidSettings => new()
    {
        { nameof(MqttClientOptions.Host), o => o.Host = "" },
        { nameof(MqttClientOptions.Host), o => o.Host = "bad\0host" },
        { nameof(MqttClientOptions.Port), o => o.Port = 0 },
        { nameof(MqttClientOptions.Port), o => o.Port = 65_536 },
        { nameof(MqttClientOptions.ClientId), o => o.ClientId = new string('c', MqttClientOptions.MaxClientIdBytes + 1) },
        { nameof(MqttClientOptions.ClientId), o => o.ClientId = "line\nbreak" },
        { nameof(MqttClientOptions.ClientId), o => { o.ClientId = ""; o.CleanSession = false; } },
        { nameof(MqttClientOptions.KeepAliveSeconds), o => o.KeepAliveSeconds = 0 },
        { nameof(MqttClientOptions.KeepAliveSeconds), o => o.KeepAliveSeconds = 4 },
        { nameof(MqttClientOptions.ReconnectDelayMinMs), o => o.ReconnectDelayMinMs = 0 },
        { nameof(MqttClientOptions.ReconnectDelayMaxMs), o => { o.ReconnectDelayMinMs = 2000; o.ReconnectDelayMaxMs = 1000; } },
        { nameof(MqttClientOptions.MaxInflightMessages), o => o.MaxInflightMessages = 0 },
        { nameof(MqttClientOptions.MaxInflightMessages), o => o.MaxInflightMessages = 65_536 },
        { nameof(MqttClientOptions.MaxPendingPublishes), o => o.MaxPendingPublishes = 0 },
        { nameof(MqttClientOptions.MaxPendingPublishes), o => o.MaxPendingPublishes = MqttClientOptions.MaxPendingPublishesLimit + 1 },
        { nameof(MqttClientOptions.Password), o => o.Password = "secret" },
        { nameof(MqttClientOptions.MaxPayloadBytes), o => o.MaxPayloadBytes = -1 },
        { nameof(MqttClientOptions.MaxPayloadBytes), o => o.MaxPayloadBytes = MqttClientOptions.MaxPayloadBytesLimit + 1 },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Each_invalid_setting_is_named_in_the_ArgumentException(string setting, Action<MqttClientOptions> spoil)
    {
        var options = new MqttClientOptions { ClientId = "c1" };
        spoil(options);
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(setting, error.ParamName);
        Assert.Throws<ArgumentException>(() => new MqttClient(options));
    }

    [Fact]
    public void The_client_keeps_its_own_copy_of_the_options()
    {
        var options = new MqttClientOptions { ClientId = "copy", MaxPayloadBytes = 10 };
        using var client = new MqttClient(options);
        options.MaxPayloadBytes = 1_000_000;
        Assert.Throws<ArgumentException>(() => client.TryPublish("t", new byte[11], 0));
    }
}
