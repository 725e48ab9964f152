using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;

namespace EdgeIoT.Protocol.Tests.Devices;

public sealed class ResponseRecordTests
{
    [Fact]
    public void A_verified_response_round_trips_through_its_json_line_with_the_result_text_unchanged()
    {
        var result = new DeviceResult(DeviceOutcome.Committed, 42, """{"key":"kv/1","length":8}""", null, 7, 3, 12.5, 0)
        {
            Zone = "z1",
            TxDigest = new Bytes32(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
        };
        var line = ResponseRecord.From("d0001", result)!.ToJsonLine();

        Assert.Contains("\"result\":\"{\\\"key\\\":\\\"kv/1\\\",\\\"length\\\":8}\"", line);
        Assert.True(ResponseRecord.TryParse(line, out var parsed));
        Assert.Equal(new ResponseRecord("d0001", "z1", 42, result.TxDigest.ToBase64Url(), "committed", 7, 3, """{"key":"kv/1","length":8}"""), parsed);
    }

    [Theory]
    [InlineData(DeviceOutcome.TimedOut)]
    [InlineData(DeviceOutcome.RefusedByGateways)]
    public void Outcomes_the_verifier_did_not_sign_are_not_recorded(DeviceOutcome outcome) =>
        Assert.Null(ResponseRecord.From("d1", new DeviceResult(outcome, 1, null, "x", 0, 0, 1, 0)));

    [Theory]
    [InlineData("")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1")]
    [InlineData("{\"truncated\":true,\"records\":5}")]
    public void Anything_but_a_complete_record_does_not_parse(string line) => Assert.False(ResponseRecord.TryParse(line, out _));
}
