using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Simulation.Checkers;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Zones;

/// <summary>
/// The data plane of a migration (ziziphus Algorithm 2, docs/zones.md) in the one-verifier world: it
/// stands in for the global protocol — whose agreement the multi-zone coordinator world checks on its
/// own — by handing the source zone's gateways a certified COMMIT to order as LOCK and, once the
/// verifier decided the LOCK, the destination's gateways a certified HISTORY to order as ADOPT. Every
/// gateway gets the system request, as every gateway gets a device's transaction; the real replicas,
/// executors and verifier do the rest. The device follows once the verifier answers its migration.
/// </summary>
public sealed class MigrationDriver(World world, int deviceIndex, int fromZone, int toZone) : Checker(world)
{
    private byte[]? _request;
    private MigrationOrder? _order;
    private bool _adoptSent;

    public override string Name => "migration-driver";
    public int Adopted { get; private set; }
    public SimDevice Device => (SimDevice)World.Devices[deviceIndex];
    private string From => World.Registry.Zones[fromZone].Id;
    private string To => World.Registry.Zones[toZone].Id;

    /// <summary>The global order decided the migration: the source zone locks the device.</summary>
    public void Start()
    {
        var identity = Device.Core.Identity;
        var (request, timestamp) = identity.SignMigration(To, To);
        _request = request;
        _order = new MigrationOrder { Device = identity.Id, FromZone = From, ToZone = To, Timestamp = timestamp, Request = ByteString.CopyFrom(request) };
        var commit = new GlobalStep
        {
            Kind = GlobalStepKind.GlobalStepCommit, Zone = To, Ballot = new Ballot { N = 1, Zone = To }, Slot = 1,
            RequestDigest = ByteString.CopyFrom(Sha256Digest.Of(request).ToArray()), Order = _order,
        };
        World.Checkers.OnDeviceSubmitted(Device, timestamp, Sha256Digest.Of(request));
        Device.Core.TrackMigration(request, timestamp, To);
        // The device keeps sending to its old zone meanwhile — the race this world is about — and
        // follows to the new zone once the verifier adopted it there.
        Propose(fromZone, new SystemEntry { Lock = Certify(commit, toZone) });
    }

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        foreach (var receipt in batch.Migrations)
        {
            if (receipt.Device != Device.Core.Identity.Id || !receipt.Applied) continue;
            if (!receipt.Adopt && !_adoptSent)
            {
                _adoptSent = true;
                var history = new GlobalStep
                {
                    Kind = GlobalStepKind.GlobalStepHistory, Zone = From, Ballot = receipt.Ballot, Slot = 1, Device = receipt.Device,
                    RequestDigest = ByteString.CopyFrom(Sha256Digest.Of(_request!).ToArray()), Order = _order,
                    HistoryDigest = receipt.HistoryDigest, HistoryCount = receipt.HistoryCount, LockSeq = batch.Seq,
                };
                Propose(toZone, new SystemEntry { Adopt = Certify(history, fromZone) });
            }
            else if (receipt.Adopt) Adopted++;
        }
    }

    // Liveness: once the network healed, the migration must have completed.
    public override void AtEnd()
    {
        if (_request is not null && Adopted == 0)
            throw Violation($"device {Device.Core.Identity.Id}'s migration from {From} to {To} was never adopted");
    }

    private CertifiedStep Certify(GlobalStep step, int zone)
    {
        var body = step.ToByteArray();
        var gateways = World.ZoneGateways(zone);
        return StepCertificates.Build(ByteString.CopyFrom(body),
            gateways.Take(World.Registry.Zones[zone].QuorumSize).Select(g => StepCertificates.Endorse(g.Key, g.Self, body)));
    }

    private void Propose(int zone, SystemEntry entry)
    {
        var raw = SystemEntries.Encode(entry);
        foreach (var gateway in World.ZoneGateways(zone))
            gateway.ProposeSystem(new Gateway.Protocol.ClientRequest(Sha256Digest.Of(raw), raw, Device.Core.Identity.Id, 0));
    }
}
