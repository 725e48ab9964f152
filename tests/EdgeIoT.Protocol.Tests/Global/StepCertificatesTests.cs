using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Global;

public class StepCertificatesTests
{
    private static (GlobalCluster Cluster, CertifiedStep Commit) Committed()
    {
        var cluster = new GlobalCluster();
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var commit = cluster.Readies.SelectMany(r => r.Ready.LockRequests).First().Commit;
        return (cluster, commit);
    }

    [Fact]
    public void A_certificate_of_2f_plus_1_distinct_endorsements_verifies()
    {
        var (cluster, commit) = Committed();
        using var owned = cluster;
        Assert.True(StepCertificates.TryVerify(commit, cluster.Registry, GlobalStepKind.GlobalStepCommit, out var body, out var reason), reason);
        Assert.Equal("d20", body.Order.Device);
        Assert.True(StepCertificates.TryVerifyLock(commit, cluster.Registry, "z2", out _, out reason), reason);
        Assert.False(StepCertificates.TryVerifyLock(commit, cluster.Registry, "z3", out _, out reason));
        Assert.Contains("not out of z3", reason);
    }

    [Fact]
    public void Two_endorsements_or_one_signer_repeated_are_not_a_certificate()
    {
        var (cluster, commit) = Committed();
        using var owned = cluster;
        var two = commit.Clone();
        while (two.Endorsements.Count > 2) two.Endorsements.RemoveAt(two.Endorsements.Count - 1);
        Assert.False(StepCertificates.TryVerify(two, cluster.Registry, out _, out var reason));
        Assert.Contains("2 distinct valid endorsements", reason);

        var repeated = commit.Clone();
        repeated.Endorsements.Clear();
        for (var i = 0; i < 3; i++) repeated.Endorsements.Add(commit.Endorsements[0]);
        Assert.False(StepCertificates.TryVerify(repeated, cluster.Registry, out _, out reason));
        Assert.Contains("1 distinct valid", reason);
    }

    [Fact]
    public void A_changed_body_or_a_foreign_signer_breaks_the_certificate()
    {
        var (cluster, commit) = Committed();
        using var owned = cluster;
        var body = GlobalStep.Parser.ParseFrom(commit.Body);
        body.Order.ToZone = "z2";
        var changed = commit.Clone();
        changed.Body = body.ToByteString();
        Assert.False(StepCertificates.TryVerify(changed, cluster.Registry, out _, out _));

        // The same endorsements claimed for another zone's body: the keys do not match.
        var other = GlobalStep.Parser.ParseFrom(commit.Body);
        other.Zone = "z2";
        other.Ballot = new Ballot { N = other.Ballot.N, Zone = "z2" };
        var foreign = commit.Clone();
        foreign.Body = other.ToByteString();
        Assert.False(StepCertificates.TryVerify(foreign, cluster.Registry, out _, out var reason));
        Assert.Contains("0 distinct valid", reason);
    }

    [Fact]
    public void Bodies_of_the_wrong_shape_are_refused_before_any_signature_check()
    {
        var (cluster, commit) = Committed();
        using var owned = cluster;
        var body = GlobalStep.Parser.ParseFrom(commit.Body);
        body.RequestDigest = ByteString.CopyFrom(new byte[32]);
        Assert.False(StepCertificates.CheckShape(body, cluster.Registry, out var reason));
        Assert.Contains("request_digest", reason);

        var huge = new CertifiedStep { Body = ByteString.CopyFrom(new byte[StepCertificates.BodyBytesMax(cluster.Registry) + 1]) };
        Assert.False(StepCertificates.TryVerify(huge, cluster.Registry, out _, out reason));
        Assert.Contains("exceeds", reason);
    }

    [Fact]
    public void Endorsements_use_their_own_signature_domain()
    {
        Assert.Equal("edgeiot/v1/endorse\0", System.Text.Encoding.ASCII.GetString(SignatureDomains.Prefix(SignatureDomain.Endorse)));
    }
}
