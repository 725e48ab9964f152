using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Core.Tests.Mqtt;

public class MqttTopicsTests
{
    public static TheoryData<string> ValidNames => new()
    {
        "a", "edgeiot/v1/zones/z1/tx", "/", "//", "/leading", "trailing/", "a//b", "$SYS/x",
        "space in level", "ümlaut/日本/🙂", new string('x', MqttTopics.MaxTopicBytes),
    };

    public static TheoryData<string> InvalidNames => new()
    {
        "", "a/+", "+", "#", "a/#", "a+b", "a#", "nul\0inside", "tab\tinside", "del\u007F", "c1\u0085",
        "nonchar\uFFFE", "nonchar\uFDD0", new string('x', MqttTopics.MaxTopicBytes + 1),
        new string('é', MqttTopics.MaxTopicBytes / 2 + 1),
    };

    public static TheoryData<string> ValidFilters => new()
    {
        "a", "#", "+", "+/+", "a/+/c", "a/#", "/#", "+/", "/+", "a//+", "edgeiot/v1/zones/+/tx", "$SYS/#",
    };

    public static TheoryData<string> InvalidFilters => new()
    {
        "", "a#", "#a", "a/#/b", "#/", "a+", "+a", "a/b+/c", "a/++", "##", "nul\0", "bell\a",
    };

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Valid_topic_names_are_accepted_here_and_by_libmosquitto(string topic)
    {
        Assert.True(MqttTopics.IsValidTopicName(topic));
        MqttTopics.ValidateTopicName(topic);
        Assert.True(LibMosquitto.AcceptsTopicName(topic));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Invalid_topic_names_throw_ArgumentException(string topic)
    {
        Assert.False(MqttTopics.IsValidTopicName(topic));
        var error = Assert.Throws<ArgumentException>(() => MqttTopics.ValidateTopicName(topic));
        Assert.Equal("topic", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(ValidFilters))]
    public void Valid_filters_are_accepted_here_and_by_libmosquitto(string filter)
    {
        Assert.True(MqttTopics.IsValidTopicFilter(filter));
        MqttTopics.ValidateTopicFilter(filter);
        Assert.True(LibMosquitto.AcceptsTopicFilter(filter));
    }

    [Theory]
    [MemberData(nameof(InvalidFilters))]
    public void Invalid_filters_throw_ArgumentException(string filter)
    {
        Assert.False(MqttTopics.IsValidTopicFilter(filter));
        Assert.Throws<ArgumentException>(() => MqttTopics.ValidateTopicFilter(filter));
    }

    [Fact]
    public void Whatever_libmosquitto_refuses_is_refused_here()
    {
        string[] samples = [.. InvalidNames, .. InvalidFilters, .. ValidNames, .. ValidFilters];
        foreach (var value in samples)
        {
            if (!LibMosquitto.AcceptsTopicName(value)) Assert.False(MqttTopics.IsValidTopicName(value), value);
            if (!LibMosquitto.AcceptsTopicFilter(value)) Assert.False(MqttTopics.IsValidTopicFilter(value), value);
        }
    }

    [Fact]
    public void Unpaired_surrogates_have_no_UTF8_form_and_are_refused()
    {
        // Not theory data: xunit's serialization would replace the lone surrogate with U+FFFD.
        foreach (var value in new[] { "lone\uD800surrogate", "lone\uDC00", "\uDBFF", "a/\uDC00\uD800" })
        {
            Assert.False(MqttTopics.IsValidTopicName(value));
            Assert.False(MqttTopics.IsValidTopicFilter(value));
            Assert.Throws<ArgumentException>(() => MqttTopics.ValidateTopicName(value));
        }
        Assert.True(MqttTopics.IsValidTopicName("pair\uD83D\uDE42"));
    }

    [Fact]
    public void Every_single_code_point_class_agrees_with_libmosquitto()
    {
        // Managed validation may be stricter than libmosquitto, never looser: a looser check would let
        // a bad topic reach the network thread as an error code instead of an ArgumentException.
        for (int codePoint = 1; codePoint <= 0x10FFFF; codePoint += codePoint < 0x3000 ? 1 : 251)
        {
            if (codePoint is >= 0xD800 and <= 0xDFFF) continue;
            string topic = "a" + char.ConvertFromUtf32(codePoint);
            if (MqttTopics.IsValidTopicName(topic))
                Assert.True(LibMosquitto.AcceptsTopicName(topic), $"U+{codePoint:X4} accepted here but not by libmosquitto");
        }
    }

    [Fact]
    public void Wildcards_must_fill_a_whole_level()
    {
        Assert.True(MqttTopics.IsValidTopicFilter("sport/tennis/+/player"));
        Assert.False(MqttTopics.IsValidTopicFilter("sport/tennis+/player"));
        Assert.True(MqttTopics.IsValidTopicFilter("sport/#"));
        Assert.False(MqttTopics.IsValidTopicFilter("sport/#/ranking"));
    }

    [Fact]
    public void Depth_is_bounded_below_mosquittos_hierarchy_limit()
    {
        string deepest = string.Join('/', Enumerable.Repeat("a", MqttTopics.MaxTopicLevels));
        Assert.True(MqttTopics.IsValidTopicName(deepest));
        Assert.False(MqttTopics.IsValidTopicName(deepest + "/a"));
        Assert.False(MqttTopics.IsValidTopicFilter(deepest + "/#"));
    }

    [Fact]
    public void Null_is_an_argument_error()
    {
        Assert.False(MqttTopics.IsValidTopicName(null));
        Assert.Throws<ArgumentNullException>(() => MqttTopics.ValidateTopicName(null!));
        Assert.Throws<ArgumentNullException>(() => MqttTopics.ValidateTopicFilter(null!));
    }
}
