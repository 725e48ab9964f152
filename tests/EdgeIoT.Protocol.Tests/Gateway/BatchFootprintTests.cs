using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using static EdgeIoT.Protocol.Tests.Support.CommittedBatches;

namespace EdgeIoT.Protocol.Tests.Gateway;

public sealed class BatchFootprintTests : IDisposable
{
    private readonly TestNetwork _network = new(devices: 2);

    public void Dispose() => _network.Dispose();

    private BatchFootprint Decode(params Declared[] transactions) =>
        BatchFootprint.Of(Of(_network, 1, transactions).Batch, _network.Registry, _network.Registry.Protocol.MaxTxBytes);

    [Fact]
    public void A_batch_declares_the_union_of_its_transactions_sets()
    {
        var footprint = Decode(Rmw("kv/1"), Read("kv/2"), BlindWrite("kv/3"));
        Assert.Equal(["kv/1", "kv/2"], footprint.Reads!.Order());
        Assert.Equal(["kv/1", "kv/3"], footprint.Writes!.Order());
    }

    [Fact]
    public void Sets_left_out_are_unknown_each_on_its_own()
    {
        Assert.Null(Decode(Undeclared).Reads);
        var readsOnly = Decode(new Declared(["kv/1"], null));
        Assert.Equal(["kv/1"], readsOnly.Reads!);
        Assert.Null(readsOnly.Writes);
        Assert.True(readsOnly.WritesSomething);
    }

    [Fact]
    public void Declared_empty_sets_are_known_to_be_empty()
    {
        var footprint = Decode(new Declared([], []));
        Assert.True(footprint.ReadsNothing);
        Assert.False(footprint.WritesSomething);
    }

    [Fact]
    public void A_batch_naming_more_keys_than_the_bound_counts_as_unknown()
    {
        var many = Enumerable.Range(0, BatchFootprint.MaxKeysPerSet + 1).Select(i => ((string[]?)[$"kv/{i}"], (string[]?)[]));
        var footprint = BatchFootprint.Of(many);
        Assert.Null(footprint.Reads);
        Assert.NotNull(footprint.Writes);
    }
}
