using EdgeIoT.Provisioning;

namespace EdgeIoT.Protocol.Tests.Provisioning;

public sealed class ConflictProvisioningTests
{
    [Fact]
    public void Conflicts_raise_the_executors_to_3_f_E_plus_1_and_say_why()
    {
        var (spec, changes) = ConflictProvisioning.Apply(new LocalNetworkSpec { Executors = 3, FaultyExecutors = 1 }, 30);
        Assert.Equal(4, spec.Executors);
        Assert.True(spec.Protocol.ConflictsPossible);
        Assert.Contains("n_E >= 3 f_E + 1 = 4", Assert.Single(changes));
    }

    [Fact]
    public void A_pool_already_large_enough_is_kept_and_still_marked_for_conflicts()
    {
        var (spec, changes) = ConflictProvisioning.Apply(new LocalNetworkSpec { Executors = 7, FaultyExecutors = 2 }, 10);
        Assert.Equal(7, spec.Executors);
        Assert.True(spec.Protocol.ConflictsPossible);
        Assert.Empty(changes);
    }

    [Fact]
    public void Without_conflicts_nothing_changes()
    {
        var (spec, changes) = ConflictProvisioning.Apply(new LocalNetworkSpec(), 0);
        Assert.Equal(3, spec.Executors);
        Assert.False(spec.Protocol.ConflictsPossible);
        Assert.Empty(changes);
    }

    [Fact]
    public void The_adjusted_spec_passes_the_registry_validation_that_refuses_2_f_E_plus_1_with_conflicts()
    {
        var dir = Directory.CreateTempSubdirectory("edgeiot-conflicts-").FullName;
        try
        {
            var refused = new LocalNetworkSpec { Devices = 2 };
            refused.Protocol.ConflictsPossible = true;
            var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(refused, Path.Combine(dir, "a")));
            Assert.Contains("3 f_E + 1", error.Message);

            var (spec, _) = ConflictProvisioning.Apply(new LocalNetworkSpec { Devices = 2 }, 30);
            LocalNetworkProvisioner.Provision(spec, Path.Combine(dir, "b"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
