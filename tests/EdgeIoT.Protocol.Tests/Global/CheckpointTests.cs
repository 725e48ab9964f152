using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// Lazy checkpoints (ziziphus §3.4, docs/zones.md decision Z4): PROMISE/ACCEPTED carry the endorsing zone's
/// (k, D_k) that its members checked against the verifier's notices, COMMIT carries the gathered ones, and
/// every gateway keeps the latest certified checkpoint of every zone, across restarts.
/// </summary>
public class CheckpointTests
{
    private static IEnumerable<(CertifiedStep Step, GlobalStep Body)> CertifiedSteps(GlobalCluster cluster, GlobalStepKind kind) =>
        cluster.Readies.SelectMany(r => r.Ready.Messages).Select(m => m.Message).Where(m => m.KindCase == GlobalMessage.KindOneofCase.Step)
            .Select(m => (m.Step, Body: GlobalStep.Parser.ParseFrom(m.Step.Body))).Where(s => s.Body.Kind == kind);

    private static void AssertTrue(GlobalCluster cluster, ZoneCheckpoint checkpoint) =>
        Assert.Equal(cluster.ZoneChains[checkpoint.Zone][(int)checkpoint.Seq].ToArray(), checkpoint.Digest.ToByteArray());

    [Fact]
    public void Correct_PROMISEs_and_ACCEPTEDs_carry_their_zone_checkpoint_and_every_gateway_keeps_the_ones_the_COMMIT_gathered()
    {
        using var cluster = new GlobalCluster(leader: GlobalLeaderMode.LeaderElection);
        cluster.DecideLocal("z1", 3);
        cluster.DecideLocal("z2", 5);
        cluster.DecideLocal("z3", 2);
        cluster.Submit("z2", cluster.Migration("d10", "z2", 1000));
        Assert.All(cluster.All, n => Assert.Equal(1UL, n.LastExecuted));

        var expected = new Dictionary<string, ulong> { ["z1"] = 3, ["z2"] = 5, ["z3"] = 2 };
        var responses = CertifiedSteps(cluster, GlobalStepKind.GlobalStepPromise).Concat(CertifiedSteps(cluster, GlobalStepKind.GlobalStepAccepted)).ToList();
        Assert.Equal(["z1", "z2", "z3"], responses.Select(r => r.Body.Zone).Distinct().Order());
        foreach (var (_, body) in responses)
        {
            Assert.NotNull(body.Checkpoint);
            Assert.Equal((body.Zone, expected[body.Zone]), (body.Checkpoint.Zone, body.Checkpoint.Seq));
            AssertTrue(cluster, body.Checkpoint);
        }

        var commit = CertifiedSteps(cluster, GlobalStepKind.GlobalStepCommit).First().Body;
        Assert.True(commit.Checkpoints.Count >= cluster.Node("z1", 0).ZoneQuorum, $"{commit.Checkpoints.Count} checkpoints");
        foreach (var checkpoint in commit.Checkpoints) AssertTrue(cluster, checkpoint);

        foreach (var node in cluster.All)
            foreach (var zone in commit.Checkpoints.Select(c => c.Zone))
            {
                var held = node.Checkpoints[zone];
                Assert.Equal(cluster.ZoneChains[zone][(int)held.Seq], held.Digest);
                Assert.True(held.Seq >= expected[zone]);
                Assert.True(StepCertificates.TryVerify(held.Proof, cluster.Registry, out var proof, out var reason), reason);
                Assert.Equal(held.ToWire(), CheckpointProofs.Find(proof, zone));
            }
        Assert.Contains(cluster.All, n => n.Metrics.CheckpointsConfirmed > 0);
        Assert.All(cluster.All, n => Assert.Equal(0, n.Metrics.CheckpointMismatches + n.Metrics.CheckpointsDropped));
    }

    [Fact]
    public void Members_refuse_a_primary_whose_checkpoint_differs_from_the_verifier_and_the_step_goes_on_without_it()
    {
        // z2's primary lies about its zone's history; z3 is down, so z1 (stable) needs z2's ACCEPTED.
        using var cluster = new GlobalCluster(options: (zone, index, o) => zone == "z2" && index == 0 ? CloneWith(o, lie: true) : o);
        cluster.Filter = (fz, _, tz, _, _) => fz != "z3" && tz != "z3";
        foreach (var zone in new[] { "z1", "z2", "z3" }) cluster.DecideLocal(zone, 2);
        cluster.Submit("z1", cluster.Migration("d20", "z1", 1000));
        Assert.Equal(0UL, cluster.Node("z1", 0).LastExecuted);
        cluster.Run(200);

        Assert.All(cluster.All.Where(n => n.Zone != "z3"), n => Assert.Equal("z1", n.Metadata.ZoneOf("d20")));
        for (var i = 1; i < 4; i++)
        {
            Assert.True(cluster.Node("z2", i).Metrics.CheckpointMismatches > 0, $"z2-g{i} did not refuse the lie");
            Assert.Contains(cluster.Rejections("z2", i), r => r.Contains("byzantine primary"));
        }
        Assert.True(cluster.Node("z2", 0).Metrics.CheckpointsDropped > 0);
        // No gateway holds a checkpoint the verifier did not decide.
        foreach (var node in cluster.All)
            foreach (var held in node.Checkpoints.Values)
                Assert.Equal(cluster.ZoneChains[held.Zone][(int)held.Seq], held.Digest);
    }

    [Fact]
    public void A_member_in_the_dark_with_a_silent_member_does_not_stall_its_zone_the_primary_asks_again_without_the_checkpoint()
    {
        // z3 is down, so z1 (stable) needs z2's ACCEPTED; in z2, g2 sends nothing and g3 hears no DECIDED notice.
        using var cluster = new GlobalCluster();
        cluster.HearsDecided = (zone, index) => !(zone == "z2" && index == 3);
        cluster.Filter = (fz, f, tz, _, _) => fz != "z3" && tz != "z3" && !(fz == "z2" && f == 2);
        foreach (var zone in new[] { "z1", "z2" }) cluster.DecideLocal(zone, 2);
        cluster.Submit("z1", cluster.Migration("d20", "z1", 1000));
        Assert.Equal(0UL, cluster.Node("z1", 0).LastExecuted); // waiting on z2, whose g3 cannot confirm k = 2
        Assert.True(cluster.Node("z2", 3).Metrics.CheckpointsAwaited > 0);

        cluster.Run(100);
        Assert.All(cluster.All.Where(n => n.Zone != "z3"), n => Assert.Equal(1UL, n.LastExecuted));
        Assert.True(cluster.Node("z2", 0).Metrics.CheckpointsDropped > 0);
        Assert.All(cluster.All.Where(n => n.Zone != "z3"), n => Assert.Equal("z1", n.Metadata.ZoneOf("d20")));
    }

    [Fact]
    public void A_member_that_hears_the_notice_late_endorses_then_and_the_checkpoint_is_kept()
    {
        using var cluster = new GlobalCluster();
        cluster.HearsDecided = (zone, index) => !(zone == "z2" && index == 3);
        cluster.Filter = (fz, f, tz, _, _) => fz != "z3" && tz != "z3" && !(fz == "z2" && f == 2);
        foreach (var zone in new[] { "z1", "z2" }) cluster.DecideLocal(zone, 2);
        cluster.Submit("z1", cluster.Migration("d20", "z1", 1000));
        Assert.Equal(0UL, cluster.Node("z1", 0).LastExecuted);

        cluster.CatchUpDecided("z2", 3); // the notice arrives: g3 endorses the request it kept
        Assert.All(cluster.All.Where(n => n.Zone != "z3"), n => Assert.Equal(1UL, n.LastExecuted));
        Assert.Equal(0, cluster.Node("z2", 0).Metrics.CheckpointsDropped);
        var commit = CertifiedSteps(cluster, GlobalStepKind.GlobalStepCommit).First().Body;
        Assert.Contains(commit.Checkpoints, c => c.Zone == "z2" && c.Seq == 2);
        Assert.All(cluster.All.Where(n => n.Zone != "z3"), n => Assert.Equal(2UL, n.Checkpoints["z2"].Seq));
    }

    [Fact]
    public void A_receiver_keeps_the_latest_checkpoint_of_each_zone_and_ignores_an_older_or_uncertified_one()
    {
        using var cluster = new GlobalCluster();
        foreach (var zone in new[] { "z1", "z2", "z3" }) cluster.DecideLocal(zone, 2);
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var first = CertifiedSteps(cluster, GlobalStepKind.GlobalStepCommit).First();
        cluster.DecideLocal("z2", 4);
        cluster.DecideLocal("z1", 1);
        cluster.Submit("z1", cluster.Migration("d21", "z1", 1000));
        var node = cluster.Node("z3", 1);
        var latest = node.Checkpoints["z2"];
        Assert.True(latest.Seq > first.Body.Checkpoints.Single(c => c.Zone == "z2").Seq);
        Assert.Equal(cluster.ZoneChains["z2"][(int)latest.Seq], latest.Digest);

        // The first COMMIT again (a late retransmission): an older checkpoint changes nothing.
        node.OnRemoteMessage("z1", 0, new GlobalMessage { Step = first.Step });
        Assert.Same(latest, node.Checkpoints["z2"]);

        // A COMMIT whose checkpoint was changed after it was endorsed: its certificate fails.
        var forgedBody = first.Body.Clone();
        forgedBody.Checkpoints.Single(c => c.Zone == "z2").Seq = 99;
        node.OnRemoteMessage("z1", 0, new GlobalMessage { Step = new CertifiedStep { Body = forgedBody.ToByteString(), Endorsements = { first.Step.Endorsements } } });
        Assert.Contains(node.TakeReady().Rejected, r => r.Contains("distinct valid endorsements"));
        // A COMMIT endorsed by two gateways only: not a certificate.
        var weakBody = forgedBody.ToByteString();
        var weak = StepCertificates.Build(weakBody, Enumerable.Range(0, 2).Select(i => StepCertificates.Endorse(cluster.GatewayKey("z1", i), i, weakBody.Span)));
        node.OnRemoteMessage("z1", 0, new GlobalMessage { Step = weak });
        Assert.Contains(node.TakeReady().Rejected, r => r.Contains("2 distinct valid endorsements"));
        Assert.Same(latest, node.Checkpoints["z2"]);
    }

    [Fact]
    public void A_COMMIT_whose_checkpoint_is_not_its_ACCEPTEDs_is_not_endorsed()
    {
        using var cluster = new GlobalCluster();
        foreach (var zone in new[] { "z1", "z2", "z3" }) cluster.DecideLocal(zone, 2);
        var captured = new List<EndorseRequest>();
        cluster.Filter = (_, _, tz, t, m) =>
        {
            if (tz == "z1" && t == 1 && m.KindCase == GlobalMessage.KindOneofCase.EndorseRequest) captured.Add(m.EndorseRequest);
            return !(tz == "z1" && t == 1);
        };
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var request = captured.Single(r => GlobalStep.Parser.ParseFrom(r.Body).Kind == GlobalStepKind.GlobalStepCommit);
        var body = GlobalStep.Parser.ParseFrom(request.Body);
        Assert.NotEmpty(body.Checkpoints);
        var member = cluster.Node("z1", 1);
        member.TakeReady();

        var changed = body.Clone();
        var digest = changed.Checkpoints[0].Digest.ToByteArray();
        digest[5] ^= 1;
        changed.Checkpoints[0].Digest = ByteString.CopyFrom(digest);
        member.OnZoneMessage(0, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = changed.ToByteString(), Evidence = { request.Evidence } } });
        var ready = member.TakeReady();
        Assert.Contains(ready.Rejected, r => r.Contains($"checkpoint of {changed.Checkpoints[0].Zone}") && r.Contains("is not the one"));
        Assert.DoesNotContain(ready.Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);

        member.OnZoneMessage(0, new GlobalMessage { EndorseRequest = request });
        Assert.Contains(member.TakeReady().Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);
    }

    [Fact]
    public void A_restored_gateway_holds_the_same_checkpoints_and_drops_one_whose_proof_does_not_carry_it()
    {
        using var cluster = new GlobalCluster();
        foreach (var zone in new[] { "z1", "z2", "z3" }) cluster.DecideLocal(zone, 2);
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        cluster.DecideLocal("z2", 3);
        cluster.Submit("z1", cluster.Migration("d21", "z1", 1000));
        var original = cluster.Node("z3", 2);
        var records = cluster.Readies.Where(r => r.Zone == "z3" && r.Gateway == 2).SelectMany(r => r.Ready.Persist).ToList();
        Assert.Contains(records, r => r is GlobalPersist.Checkpoint);

        using var key = SigningKey.FromSeed(System.Security.Cryptography.SHA256.HashData("global-test/z3-g2"u8));
        var restored = Restore(cluster, key, records);
        Assert.Equal(original.Checkpoints.Values.Select(Key).Order(), restored.Checkpoints.Values.Select(Key).Order());
        Assert.True(restored.TakeReady().IsEmpty);

        // The latest z2 record claims a digest its proof does not carry: the earlier one is held instead.
        var last = records.OfType<GlobalPersist.Checkpoint>().Last(r => r.Held.Zone == "z2");
        var tampered = records.Select(r => ReferenceEquals(r, last) ? new GlobalPersist.Checkpoint(last.Held with { Digest = new Bytes32(new byte[32]) }) : r).ToList();
        var wary = Restore(cluster, key, tampered);
        Assert.True(wary.Checkpoints["z2"].Seq < last.Held.Seq);
        Assert.True(wary.Metrics.Rejected > 0);
    }

    [Theory]
    [InlineData("own checkpoint on a COMMIT", "carries no checkpoint of its own")]
    [InlineData("another zone's checkpoint", "endorses a checkpoint of zone")]
    [InlineData("gathered checkpoints on an ACCEPTED", "carries no gathered checkpoints")]
    [InlineData("two checkpoints of one zone", "two checkpoints of zone z2")]
    [InlineData("short digest", "is not 32 bytes")]
    [InlineData("sequence 0", "at sequence 0")]
    public void Checkpoint_shapes_are_checked(string variant, string expected)
    {
        using var cluster = new GlobalCluster();
        var order = new MigrationOrder { Device = "d20", FromZone = "z2", ToZone = "z3", Timestamp = 1, Request = ByteString.CopyFrom(cluster.Migration("d20", "z3", 1)) };
        var digest = ByteString.CopyFrom(Sha256Digest.Of(order.Request.Span).ToArray());
        ZoneCheckpoint Checkpoint(string zone, ulong seq = 3, int bytes = 32) => new() { Zone = zone, Seq = seq, Digest = ByteString.CopyFrom(new byte[bytes]) };
        var accepted = new GlobalStep { Kind = GlobalStepKind.GlobalStepAccepted, Zone = "z2", Slot = 1, Ballot = new Ballot { N = 1, Zone = "z1" }, RequestDigest = digest, Order = order };
        var commit = new GlobalStep { Kind = GlobalStepKind.GlobalStepCommit, Zone = "z1", Slot = 1, Ballot = new Ballot { N = 1, Zone = "z1" }, RequestDigest = digest, Order = order };
        Assert.True(StepCertificates.CheckShape(accepted.Clone().Also(s => s.Checkpoint = Checkpoint("z2")), cluster.Registry, out var fine), fine);
        Assert.True(StepCertificates.CheckShape(commit.Clone().Also(s => s.Checkpoints.Add([Checkpoint("z1"), Checkpoint("z2")])), cluster.Registry, out fine), fine);

        var bad = variant switch
        {
            "own checkpoint on a COMMIT" => commit.Also(s => s.Checkpoint = Checkpoint("z1")),
            "another zone's checkpoint" => accepted.Also(s => s.Checkpoint = Checkpoint("z3")),
            "gathered checkpoints on an ACCEPTED" => accepted.Also(s => s.Checkpoints.Add(Checkpoint("z2"))),
            "two checkpoints of one zone" => commit.Also(s => s.Checkpoints.Add([Checkpoint("z2"), Checkpoint("z2", 4)])),
            "short digest" => accepted.Also(s => s.Checkpoint = Checkpoint("z2", bytes: 31)),
            _ => commit.Also(s => s.Checkpoints.Add(Checkpoint("z3", seq: 0))),
        };
        Assert.False(StepCertificates.CheckShape(bad, cluster.Registry, out var reason));
        Assert.Contains(expected, reason);
    }

    private static string Key(HeldCheckpoint held) => $"{held.Zone}@{held.Seq}:{held.Digest}";

    private static GlobalCoordinator Restore(GlobalCluster cluster, SigningKey key, List<GlobalPersist> records)
    {
        var restored = new GlobalCoordinator(new GlobalCoordinatorOptions { Registry = cluster.Registry, Zone = "z3", SelfIndex = 2 }, key, 7);
        restored.Restore(records);
        return restored;
    }

    private static GlobalCoordinatorOptions CloneWith(GlobalCoordinatorOptions o, bool lie) => new()
    {
        Registry = o.Registry, Zone = o.Zone, SelfIndex = o.SelfIndex, UnsafeCheckpointLie = lie,
    };
}

internal static class StepTestExtensions
{
    /// <summary>Applies <paramref name="change"/> and returns the step, for one-line variants.</summary>
    public static GlobalStep Also(this GlobalStep step, Action<GlobalStep> change)
    {
        change(step);
        return step;
    }
}
