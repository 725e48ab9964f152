using EdgeIoT.Gateway.Protocol;

namespace EdgeIoT.Protocol.Tests.Gateway;

/// <summary>e and the slices of §6.3: the gateways that do spawn must reach every executor.</summary>
public sealed class DecentralizedSpawningTests
{
    public static TheoryData<int, bool> Zones()
    {
        var data = new TheoryData<int, bool>();
        foreach (var gateways in new[] { 1, 4, 5, 7, 10 })
            foreach (var dark in new[] { false, true })
                data.Add(gateways, dark);
        return data;
    }

    [Theory]
    [MemberData(nameof(Zones))]
    public void Whichever_gateways_stay_silent_the_others_spawn_every_executor(int gateways, bool dark)
    {
        var faulty = (gateways - 1) / 3;
        var silent = DecentralizedSpawning.SilentGateways(faulty, dark);
        for (var executors = 1; executors <= 21; executors++)
        {
            var e = DecentralizedSpawning.ExecutorsPerGateway(executors, gateways, faulty, dark);
            Assert.InRange(e, DecentralizedSpawning.PaperExecutorsPerGateway(executors, gateways, faulty, dark), executors);
            var slices = Enumerable.Range(0, gateways).Select(g => DecentralizedSpawning.Slice(g, e, executors)).ToArray();
            Assert.All(slices, s => Assert.Equal(s.Length, s.Distinct().Count()));
            foreach (var silentSet in Subsets(gateways, silent))
            {
                var covered = slices.Where((_, g) => !silentSet.Contains(g)).SelectMany(s => s).ToHashSet();
                Assert.True(covered.Count == executors,
                    $"n_R={gateways} f_R={faulty} n_E={executors} e={e}{(dark ? " (Eq. 2)" : "")}: silencing {{{string.Join(",", silentSet)}}} leaves executors unspawned");
            }
        }
    }

    [Fact]
    public void The_papers_e_alone_leaves_an_executor_unspawned_when_one_gateway_is_silent()
    {
        // Eq. 1 gives e = 1 for n_E = n_R = 4; whatever fixed assignment, the executor only the silent
        // gateway spawns never runs — the verifier then sees 3 VERIFY, never all n_E.
        Assert.Equal(1, DecentralizedSpawning.PaperExecutorsPerGateway(4, 4, 1, toleratesDark: false));
        var slices = Enumerable.Range(0, 4).Select(g => DecentralizedSpawning.Slice(g, 1, 4)).ToArray();
        var withoutGateway3 = slices.Take(3).SelectMany(s => s).ToHashSet();
        Assert.DoesNotContain(3, withoutGateway3);
        Assert.Equal(2, DecentralizedSpawning.ExecutorsPerGateway(4, 4, 1, toleratesDark: false));
        Assert.Equal(3, DecentralizedSpawning.ExecutorsPerGateway(4, 4, 1, toleratesDark: true));
    }

    [Theory]
    [InlineData(4, 1, 3, false, 2)]
    [InlineData(4, 1, 7, false, 4)]
    [InlineData(7, 2, 7, false, 3)]
    [InlineData(7, 2, 21, false, 9)]
    [InlineData(7, 2, 21, true, 15)]
    public void Executors_per_gateway_for_common_zones(int gateways, int faulty, int executors, bool dark, int expected) =>
        Assert.Equal(expected, DecentralizedSpawning.ExecutorsPerGateway(executors, gateways, faulty, dark));

    private static IEnumerable<HashSet<int>> Subsets(int n, int size)
    {
        if (size == 0)
        {
            yield return [];
            yield break;
        }
        for (var mask = 0; mask < 1 << n; mask++)
            if (System.Numerics.BitOperations.PopCount((uint)mask) == size)
                yield return Enumerable.Range(0, n).Where(i => (mask & (1 << i)) != 0).ToHashSet();
    }
}
