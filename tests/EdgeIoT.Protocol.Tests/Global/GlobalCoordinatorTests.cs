using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Global;

public class GlobalCoordinatorTests
{
    [Fact]
    public void Stable_leader_a_migration_executes_everywhere_and_moves_the_device_with_its_history()
    {
        using var cluster = new GlobalCluster();
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));

        foreach (var (zone, nodes) in cluster.Zones)
            for (var i = 0; i < 4; i++)
            {
                var executed = Assert.Single(cluster.Executed(zone, i));
                Assert.Equal(1UL, executed.Slot);
                Assert.True(executed.Allowed, executed.Outcome);
                Assert.Equal("z3", nodes[i].Metadata.ZoneOf("d20"));
                Assert.Equal(cluster.Node("z1", 0).Metadata.Digest(), nodes[i].Metadata.Digest());
            }
        // "The verifier ... marks c locked ... z_s endorses a HISTORY step ... the z_d primary orders an ADOPT."
        Assert.Contains(cluster.Receipts, r => !r.Adopt && r.Device == "d20" && r.FromZone == "z2");
        Assert.Contains(cluster.Receipts, r => r.Adopt && r.Device == "d20" && r.ToZone == "z3");
        Assert.All(cluster.Zones["z3"], n => Assert.DoesNotContain("d20", n.Metadata.LockedDevices));
        Assert.All(cluster.Zones["z2"], n => Assert.DoesNotContain("d20", n.Metadata.LockedDevices));
        Assert.Contains(cluster.Readies, r => r.Zone == "z3" && r.Gateway == 0 && r.Ready.AdoptRequests.Count == 1);
    }

    [Fact]
    public void Leader_election_concurrent_destinations_execute_in_one_order_everywhere()
    {
        using var cluster = new GlobalCluster(leader: GlobalLeaderMode.LeaderElection);
        // Both initiators start before either hears of the other: they collide on slot 1.
        foreach (var node in cluster.Zones["z2"]) node.OnMigrationRequest(cluster.Migration("d10", "z2", 1000), out _);
        foreach (var node in cluster.Zones["z3"]) node.OnMigrationRequest(cluster.Migration("d11", "z3", 1000), out _);
        cluster.Pump();
        cluster.Run(3000);

        var reference = cluster.Executed("z1", 0).Select(e => (e.Slot, e.Order.Device, e.Outcome)).ToList();
        Assert.Equal(2, reference.Count);
        Assert.Equal([1UL, 2UL], reference.Select(r => r.Slot));
        foreach (var (zone, nodes) in cluster.Zones)
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(reference, cluster.Executed(zone, i).Select(e => (e.Slot, e.Order.Device, e.Outcome)));
                Assert.Equal(cluster.Node("z1", 0).Metadata.Digest(), nodes[i].Metadata.Digest());
            }
        Assert.Equal("z2", cluster.Node("z1", 0).Metadata.ZoneOf("d10"));
        Assert.Equal("z3", cluster.Node("z1", 0).Metadata.ZoneOf("d11"));
    }

    [Theory]
    [InlineData("kv", "migrate", RejectReason.UnknownApplication)]
    [InlineData("sys", "teleport", RejectReason.UnknownOperation)]
    public void A_request_that_is_not_a_migration_is_refused_with_a_reason(string app, string op, RejectReason reason)
    {
        using var cluster = new GlobalCluster();
        Assert.False(cluster.Node("z1", 0).OnMigrationRequest(cluster.Migration("d20", "z3", 1000, app, op), out var rejection));
        Assert.Equal(reason, rejection.Reason);
    }

    [Fact]
    public void A_request_to_an_unknown_zone_a_forged_one_or_one_for_another_initiator_is_refused()
    {
        using var cluster = new GlobalCluster();
        var node = cluster.Node("z1", 0);
        Assert.False(node.OnMigrationRequest(cluster.Migration("d20", "z9", 1000), out var rejection));
        Assert.Equal(RejectReason.InvalidArguments, rejection.Reason);

        using var other = Core.Crypto.SigningKey.FromSeed(new byte[32]);
        Assert.False(node.OnMigrationRequest(cluster.Migration("d20", "z3", 1000, signer: other), out rejection));
        Assert.Equal(RejectReason.BadSignature, rejection.Reason);

        // Stable leader: z1 initiates every migration; z2's gateways refuse to.
        Assert.False(cluster.Node("z2", 0).OnMigrationRequest(cluster.Migration("d20", "z3", 1000), out rejection));
        Assert.Equal(RejectReason.WrongZone, rejection.Reason);
    }

    [Fact]
    public void A_full_destination_refuses_identically_and_the_initiator_zone_tells_the_device()
    {
        using var cluster = new GlobalCluster(configure: g => g.ClientsPerZoneMax = 2);
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        foreach (var node in cluster.All)
        {
            Assert.Equal("z2", node.Metadata.ZoneOf("d20"));
            Assert.Equal(1UL, node.Metadata.RefusedByReason["zone-full"]);
        }
        var refusals = cluster.Readies.Where(r => r.Zone == "z1").SelectMany(r => r.Ready.DeviceRefusals).ToList();
        Assert.Equal(4, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(("d20", 1000UL, "zone-full"), (r.Device, r.Timestamp, r.Reason)));
        Assert.DoesNotContain(cluster.Readies, r => r.Zone != "z1" && r.Ready.DeviceRefusals.Count > 0);
    }

    [Fact]
    public void Migrations_per_period_are_counted_on_request_timestamps()
    {
        using var cluster = new GlobalCluster(configure: g => { g.MigrationsPerPeriodMax = 1; g.MigrationPeriodMs = 10_000; });
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1_000_000));
        cluster.Submit("z1", cluster.Migration("d20", "z1", 2_000_000));       // 1 s later: refused
        cluster.Submit("z1", cluster.Migration("d20", "z1", 12_000_000));      // 11 s after the first: allowed
        var outcomes = cluster.Executed("z2", 1).Select(e => e.Outcome).ToList();
        Assert.Equal(["allowed", "refused: too-many-migrations", "allowed"], outcomes);
        Assert.Equal("z1", cluster.Node("z3", 2).Metadata.ZoneOf("d20"));
    }

    [Fact]
    public void A_replayed_or_stale_request_changes_nothing()
    {
        using var cluster = new GlobalCluster();
        var request = cluster.Migration("d20", "z3", 5000);
        cluster.Submit("z1", request);
        var digest = cluster.Node("z2", 0).Metadata.Digest();
        cluster.Submit("z1", request);
        cluster.Submit("z1", cluster.Migration("d20", "z1", 4000));
        Assert.Single(cluster.Executed("z2", 0));
        Assert.Equal(digest, cluster.Node("z2", 0).Metadata.Digest());
    }

    [Fact]
    public void A_gateway_endorses_at_most_one_body_per_kind_slot_and_ballot()
    {
        using var cluster = new GlobalCluster();
        var primary = cluster.Node("z1", 0);
        var backup = cluster.Node("z1", 1);
        cluster.AutoDataPlane = false;
        // The primary's genuine ACCEPT for slot 1, captured, and a variant of it for another device.
        var captured = new List<EndorseRequest>();
        cluster.Filter = (fz, f, tz, t, m) =>
        {
            if (m.KindCase == GlobalMessage.KindOneofCase.EndorseRequest && tz == "z1" && t == 1) captured.Add(m.EndorseRequest);
            return !(tz == "z1" && t == 1);
        };
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var accept = captured.First(r => GlobalStep.Parser.ParseFrom(r.Body).Kind == GlobalStepKind.GlobalStepAccept);
        cluster.Filter = (_, _, _, _, _) => true;
        backup.OnZoneMessage(0, new GlobalMessage { EndorseRequest = accept });
        Assert.Contains(backup.TakeReady().Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);

        var variant = GlobalStep.Parser.ParseFrom(accept.Body);
        variant.Order = new MigrationOrder { Device = "d21", FromZone = "z2", ToZone = "z3", Timestamp = 1000, Request = ByteString.CopyFrom(cluster.Migration("d21", "z3", 1000)) };
        variant.RequestDigest = ByteString.CopyFrom(Core.Crypto.Sha256Digest.Of(variant.Order.Request.Span).ToArray());
        backup.OnZoneMessage(0, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = variant.ToByteString() } });
        var ready = backup.TakeReady();
        Assert.DoesNotContain(ready.Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);
        Assert.Contains(ready.Rejected, r => r.Contains("already endorsed another ACCEPT for slot 1"));
        Assert.True(primary.IsPrimary);
    }

    [Fact]
    public void An_endorse_request_from_a_backup_is_refused()
    {
        using var cluster = new GlobalCluster();
        var node = cluster.Node("z1", 2);
        node.OnZoneMessage(3, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = ByteString.CopyFromUtf8("x") } });
        Assert.Contains(node.TakeReady().Rejected, r => r.Contains("not from primary 0"));
    }

    [Fact]
    public void A_forged_step_from_another_zone_is_rejected_with_its_reason()
    {
        using var cluster = new GlobalCluster();
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var commit = cluster.Readies.SelectMany(r => r.Ready.LockRequests).First().Commit.Clone();
        var body = GlobalStep.Parser.ParseFrom(commit.Body);
        body.Slot = 2;
        commit.Body = body.ToByteString();
        var node = cluster.Node("z3", 1);
        node.OnRemoteMessage("z1", 0, new GlobalMessage { Step = commit });
        Assert.Contains(node.TakeReady().Rejected, r => r.Contains("distinct valid endorsements"));
        Assert.Equal(1UL, node.LastExecuted);
    }

    [Fact]
    public void A_silent_stable_primary_is_suspected_and_a_new_primary_finishes_the_migration()
    {
        using var cluster = new GlobalCluster();
        cluster.Filter = (fz, f, _, _, _) => !(fz == "z1" && f == 0);
        foreach (var node in cluster.Zones["z1"]) node.OnMigrationRequest(cluster.Migration("d20", "z3", 1000), out _);
        cluster.Pump();
        cluster.Run(3000);
        var suspicions = cluster.Readies.Where(r => r.Zone == "z1" && r.Gateway != 0).Sum(r => r.Ready.Suspicions.Count);
        Assert.True(suspicions >= 2, $"{suspicions} suspicions");
        // The host's PBFT view change installs view 1 (primary 1).
        foreach (var node in cluster.All.Where(n => n.Zone == "z1")) node.OnView(1);
        cluster.Pump();
        cluster.Run(2000);
        Assert.All(cluster.All.Where(n => n.Zone != "z1" || n.Self != 0), n => Assert.Equal("z3", n.Metadata.ZoneOf("d20")));
    }

    [Fact]
    public void A_source_primary_that_sits_on_a_decided_LOCKs_HISTORY_is_suspected()
    {
        // z2's LOCK of d20 is decided (the data plane hands every gateway its receipt), but z2's primary never
        // gets the HISTORY endorsed. Its own members' timer, and from then on z3's queries (§3.3), blame it;
        // before the receipt neither does (EntryOrderingTests).
        using var cluster = new GlobalCluster();
        cluster.Filter = (fz, f, _, _, _) => !(fz == "z2" && f == 0);
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        cluster.Run(3000);

        var suspicions = cluster.Readies.Where(r => r.Zone == "z2" && r.Gateway != 0).SelectMany(r => r.Ready.Suspicions).ToList();
        Assert.Contains(suspicions, s => s.Contains("HISTORY of d20"));
    }

    [Fact]
    public void A_follower_zone_that_misses_commits_catches_up_by_query()
    {
        using var cluster = new GlobalCluster();
        // z3 hears nothing from z1 while two migrations commit among z1 and z2 (a majority).
        cluster.Filter = (fz, _, tz, _, _) => !(fz == "z1" && tz == "z3" || fz == "z3" && tz == "z1");
        cluster.Submit("z1", cluster.Migration("d10", "z2", 1000));
        cluster.Submit("z1", cluster.Migration("d11", "z2", 1000));
        Assert.Equal(2UL, cluster.Node("z2", 0).LastExecuted);
        Assert.Equal(0UL, cluster.Node("z3", 0).LastExecuted);
        cluster.Filter = (_, _, _, _, _) => true;
        cluster.Submit("z1", cluster.Migration("d20", "z1", 1000));
        cluster.Run(1000);
        Assert.All(cluster.All, n => Assert.Equal(3UL, n.LastExecuted));
        Assert.All(cluster.All, n => Assert.Equal(cluster.Node("z1", 0).Metadata.Digest(), n.Metadata.Digest()));
    }

    [Fact]
    public void Every_device_stays_in_exactly_one_zone()
    {
        using var cluster = new GlobalCluster(leader: GlobalLeaderMode.LeaderElection);
        cluster.Submit("z3", cluster.Migration("d10", "z3", 1000));
        cluster.Submit("z1", cluster.Migration("d10", "z1", 2000));
        cluster.Run(500);
        var metadata = cluster.Node("z2", 3).Metadata;
        Assert.Equal(cluster.Registry.Devices.Count, metadata.Placement.Count);
        Assert.Equal(cluster.Registry.Devices.Count, cluster.Registry.Zones.Sum(z => metadata.DevicesIn(z.Id)));
        Assert.Equal("z1", metadata.ZoneOf("d10"));
        Assert.Equal(2UL, metadata.HistoryCount);
    }
}

public class GlobalRestoreTests
{
    [Fact]
    public void A_restored_gateway_has_the_same_metadata_and_keeps_its_endorsements()
    {
        using var cluster = new GlobalCluster();
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        cluster.Submit("z1", cluster.Migration("d21", "z1", 1000));
        var records = cluster.Readies.Where(r => r.Zone == "z2" && r.Gateway == 1).SelectMany(r => r.Ready.Persist).ToList();
        Assert.Contains(records, r => r is GlobalPersist.Executed);
        Assert.Contains(records, r => r is GlobalPersist.Endorsed { Kind: GlobalStepKind.GlobalStepAccepted });

        var key = Core.Crypto.SigningKey.FromSeed(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("global-test/z2-g1")));
        var restored = new GlobalCoordinator(new GlobalCoordinatorOptions { Registry = cluster.Registry, Zone = "z2", SelfIndex = 1 }, key, 9);
        restored.Restore(records);
        Assert.Equal(2UL, restored.LastExecuted);
        Assert.Equal(cluster.Node("z2", 1).Metadata.Digest(), restored.Metadata.Digest());
        Assert.True(restored.TakeReady().IsEmpty);
        key.Dispose();
    }
}

public class GlobalPaxosTests
{
    /// <summary>
    /// "the new leader has to propose and commit that value before proposing its own value" (ziziphus §3.2.1,
    /// on Paxos): an order a majority of zones accepted is chosen even if its initiator dies before COMMIT.
    /// </summary>
    [Fact]
    public void An_order_a_majority_accepted_is_committed_by_the_next_initiator_before_its_own()
    {
        using var cluster = new GlobalCluster(leader: GlobalLeaderMode.LeaderElection);
        var z2Down = false;
        cluster.Filter = (fz, _, tz, _, m) =>
        {
            if (z2Down) return fz != "z2" && tz != "z2";
            if (fz != "z2" && tz == "z2" && m.KindCase == GlobalMessage.KindOneofCase.Step
                && GlobalStep.Parser.ParseFrom(m.Step.Body).Kind == GlobalStepKind.GlobalStepAccepted)
            {
                z2Down = true; // z2 crashes before it hears any other zone accept its order
                return false;
            }
            return true;
        };
        cluster.Submit("z2", cluster.Migration("d10", "z2", 1000));
        Assert.True(z2Down);
        Assert.All(cluster.All, n => Assert.Equal(0UL, n.LastExecuted));

        cluster.Submit("z3", cluster.Migration("d11", "z3", 1000));
        cluster.Run(3000);
        Assert.True(cluster.Node("z3", 0).LastExecuted == 2, cluster.Node("z3", 0).DescribeState() + "\n" + cluster.Node("z1", 0).DescribeState() + "\n" + string.Join("\n", cluster.Rejections("z3", 1).Concat(cluster.Rejections("z1", 1)).Distinct().Take(10)));
        foreach (var zone in new[] { "z1", "z3" })
            for (var i = 0; i < 4; i++)
            {
                var executed = cluster.Executed(zone, i).Select(e => (e.Slot, e.Order.Device)).ToList();
                Assert.Equal([(1UL, "d10"), (2UL, "d11")], executed);
            }
    }
}

public class GlobalEndorsementChecksTests
{
    /// <summary>A certificate of <paramref name="zone"/>'s gateways 0-2 over <paramref name="body"/>.</summary>
    private static CertifiedStep Certify(GlobalCluster cluster, string zone, GlobalStep body)
    {
        var bytes = body.ToByteString();
        return StepCertificates.Build(bytes, Enumerable.Range(0, 3).Select(i => StepCertificates.Endorse(cluster.GatewayKey(zone, i), i, bytes.Span)));
    }

    [Fact]
    public void A_gateway_refuses_a_PROMISE_that_hides_what_it_accepted_and_endorses_one_that_reports_it()
    {
        using var cluster = new GlobalCluster();
        // Every zone accepts <1,z1> for slot 1, but no COMMIT leaves z1.
        cluster.Filter = (fz, _, tz, _, m) => !(fz != tz && m.KindCase == GlobalMessage.KindOneofCase.Step && GlobalStep.Parser.ParseFrom(m.Step.Body).Kind == GlobalStepKind.GlobalStepCommit);
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var backup = cluster.Node("z2", 1);
        Assert.Equal(0UL, backup.LastExecuted);
        var accept = cluster.Readies.Where(r => r.Zone == "z1").SelectMany(r => r.Ready.Messages)
            .Select(m => m.Message).First(m => m.KindCase == GlobalMessage.KindOneofCase.Step && GlobalStep.Parser.ParseFrom(m.Step.Body).Kind == GlobalStepKind.GlobalStepAccept).Step;
        var accepted = GlobalStep.Parser.ParseFrom(accept.Body);

        // A new initiator z3 proposes <5,z3> for slot 1 (another device's request).
        var order = new MigrationOrder { Device = "d10", FromZone = "z1", ToZone = "z3", Timestamp = 1000, Request = ByteString.CopyFrom(cluster.Migration("d10", "z3", 1000)) };
        var digest = ByteString.CopyFrom(Core.Crypto.Sha256Digest.Of(order.Request.Span).ToArray());
        var propose = Certify(cluster, "z3", new GlobalStep { Kind = GlobalStepKind.GlobalStepPropose, Zone = "z3", Slot = 1, Ballot = new Ballot { N = 5, Zone = "z3" }, RequestDigest = digest, Order = order });

        var hiding = new GlobalStep { Kind = GlobalStepKind.GlobalStepPromise, Zone = "z2", Slot = 1, Ballot = new Ballot { N = 5, Zone = "z3" }, RequestDigest = digest };
        backup.OnZoneMessage(0, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = hiding.ToByteString(), Evidence = { propose } } });
        var ready = backup.TakeReady();
        Assert.Contains(ready.Rejected, r => r.Contains("hides the accepted ballot <1,z1>"));
        Assert.DoesNotContain(ready.Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);

        var honest = hiding.Clone();
        honest.Accepted = accepted.Ballot;
        honest.Order = accepted.Order;
        backup.OnZoneMessage(0, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = honest.ToByteString(), Evidence = { propose, accept } } });
        Assert.Contains(backup.TakeReady().Messages, m => m.Message.KindCase == GlobalMessage.KindOneofCase.EndorseVote);

        // Having promised <5,z3>, it no longer accepts anything below it.
        var late = new GlobalStep { Kind = GlobalStepKind.GlobalStepAccepted, Zone = "z2", Slot = 1, Ballot = new Ballot { N = 4, Zone = "z3" }, RequestDigest = digest, Order = order };
        var lateAccept = Certify(cluster, "z3", new GlobalStep { Kind = GlobalStepKind.GlobalStepAccept, Zone = "z3", Slot = 1, Ballot = new Ballot { N = 4, Zone = "z3" }, RequestDigest = digest, Order = order });
        backup.OnZoneMessage(0, new GlobalMessage { EndorseRequest = new EndorseRequest { Body = late.ToByteString(), Evidence = { lateAccept } } });
        Assert.Contains(backup.TakeReady().Rejected, r => r.Contains("promised <5,z3>"));
    }
}
