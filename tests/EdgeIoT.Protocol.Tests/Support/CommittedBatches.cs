using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Support;

/// <summary>Committed batches of kv transactions with chosen declared read/write sets, for invoker tests.</summary>
internal static class CommittedBatches
{
    /// <summary>One transaction's declaration: null sets are undeclared.</summary>
    public readonly record struct Declared(string[]? Reads, string[]? Writes);

    public static Declared Rmw(string key) => new([key], [key]);
    public static Declared Read(string key) => new([key], []);
    public static Declared BlindWrite(string key) => new([], [key]);
    public static readonly Declared Undeclared = new(null, null);

    public static byte[] Tx(TestNetwork network, string device, ulong timestamp, Declared declared)
    {
        var payload = new Dictionary<string, object>
        {
            ["dev"] = device, ["zone"] = "z1", ["ts"] = timestamp, ["app"] = "kv", ["op"] = "rmw",
            ["args"] = new { key = "kv/0", value = "x" },
        };
        if (declared.Reads is not null || declared.Writes is not null)
        {
            var rw = new Dictionary<string, string[]>();
            if (declared.Reads is not null) rw["r"] = declared.Reads;
            if (declared.Writes is not null) rw["w"] = declared.Writes;
            payload["rw"] = rw;
        }
        return JwsCompact.Sign(network.DeviceKeys[device], device, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload)));
    }

    public static CommittedBatch Of(TestNetwork network, ulong seq, params Declared[] transactions)
    {
        var batch = new Batch();
        for (var i = 0; i < transactions.Length; i++)
            batch.Txs.Add(ByteString.CopyFrom(Tx(network, $"d{i % network.DeviceKeys.Count}", seq * 1000 + (ulong)i + 1, transactions[i])));
        var txDigests = Batches.TxDigests(batch);
        return new CommittedBatch(seq, 0, Batches.Digest(txDigests), batch, txDigests, new CommitCertificate());
    }

    public static CommittedBatch Raw(ulong seq, params byte[][] txs)
    {
        var batch = new Batch();
        foreach (var tx in txs) batch.Txs.Add(ByteString.CopyFrom(tx));
        var txDigests = Batches.TxDigests(batch);
        return new CommittedBatch(seq, 0, Batches.Digest(txDigests), batch, txDigests, new CommitCertificate());
    }
}
