using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Bench.Cluster;

/// <summary>Ordering protocol of a benchmark cluster.</summary>
public enum ClusterProtocol : byte
{
    /// <summary>EdgeIoT's own PBFT replica (signed PRE-PREPARE, PREPARE, COMMIT; 3f+1 replicas).</summary>
    Pbft,
    /// <summary>Paxos-style crash-fault ordering: a stable leader's ACCEPT, a majority's ACCEPTED, no signatures.</summary>
    Paxos,
}

/// <summary>What replicas do with an ordered request.</summary>
public enum ClusterExecution : byte
{
    /// <summary>Nothing: the ordering layer alone (the BFT-SMaRt-style microbenchmark).</summary>
    Null,
    /// <summary>Each replica writes the request into an in-memory key-value table, in order (replicas execute themselves).</summary>
    Kv,
}

/// <summary>
/// A benchmark cluster: n replicas plus one node (index n) that hosts every closed-loop client. All
/// share one zone description so the real MAC'd peer links (<see cref="Core.Net.PeerLinks"/>) connect them;
/// keys are derived from <see cref="Seed"/>, so separate processes agree without key files.
/// </summary>
public sealed record ClusterSpec
{
    public const int ReplicasMax = 64;
    public const int ClientsMax = 10_000;
    public const int RequestBytesMax = 4096;

    public ClusterProtocol Protocol { get; init; } = ClusterProtocol.Pbft;
    public ClusterExecution Execution { get; init; } = ClusterExecution.Null;
    public int Replicas { get; init; } = 4;
    public int Clients { get; init; } = 50;
    /// <summary>Application bytes per request beyond its 12-byte (client, number) header; BFT-SMaRt's microbenchmark used 0.</summary>
    public int RequestBytes { get; init; }
    public int BatchSizeMax { get; init; } = 100;
    public int BasePort { get; init; } = 26000;
    public ulong Seed { get; init; } = 6;
    public double Seconds { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 2;

    public int ClientNode => Replicas;
    /// <summary>Replicas that may fail: (n-1)/3 for PBFT, (n-1)/2 for Paxos.</summary>
    public int Faulty => Protocol == ClusterProtocol.Pbft ? (Replicas - 1) / 3 : (Replicas - 1) / 2;
    /// <summary>Matching replies a client waits for: f+1 for PBFT (one may lie), the leader's one for Paxos.</summary>
    public int RepliesNeeded => Protocol == ClusterProtocol.Pbft ? Faulty + 1 : 1;

    public List<string> Validate()
    {
        var problems = new List<string>();
        var min = Protocol == ClusterProtocol.Pbft ? 4 : 3;
        if (Replicas < min || Replicas > ReplicasMax) problems.Add($"{Protocol} needs {min}..{ReplicasMax} replicas, got {Replicas}");
        if (Clients is < 1 or > ClientsMax) problems.Add($"clients must be within 1..{ClientsMax}, got {Clients}");
        if (RequestBytes is < 0 or > RequestBytesMax) problems.Add($"request bytes must be within 0..{RequestBytesMax}, got {RequestBytes}");
        if (BatchSizeMax is < 1 or > 10_000) problems.Add($"batch size must be within 1..10000, got {BatchSizeMax}");
        if (BasePort is < 1024 || BasePort + Replicas > 65535) problems.Add($"base port {BasePort} leaves no room for {Replicas + 1} nodes");
        if (Seconds <= 0 || WarmupSeconds < 0 || WarmupSeconds >= Seconds) problems.Add($"a run of {Seconds} s with {WarmupSeconds} s warm-up measures nothing");
        return problems;
    }

    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid cluster: " + string.Join("; ", problems));
    }

    public static string NodeId(int index) => "n" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Ed25519 key of node <paramref name="index"/>: SHA-256(seed big-endian || id) as the seed.</summary>
    public SigningKey KeyFor(int index)
    {
        var id = Encoding.UTF8.GetBytes(NodeId(index));
        var input = new byte[8 + id.Length];
        BinaryPrimitives.WriteUInt64BigEndian(input, Seed);
        id.CopyTo(input, 8);
        return SigningKey.FromSeed(SHA256.HashData(input));
    }

    /// <summary>Every node (replicas, then the client node) with its public key and loopback port.</summary>
    public ZoneInfo LinkZone()
    {
        var zone = new ZoneInfo { Id = "bench", FaultyGateways = Faulty };
        for (var i = 0; i <= Replicas; i++)
        {
            using var key = KeyFor(i);
            zone.Gateways.Add(new GatewayInfo { Id = NodeId(i), Index = i, PublicKey = KeyText.Format(key.PublicKey), PeerHost = "127.0.0.1", PeerPort = BasePort + i });
        }
        return zone;
    }

    /// <summary>The replicas alone: what the PBFT replica sees as its zone.</summary>
    public ZoneInfo ReplicaZone()
    {
        var zone = LinkZone();
        zone.Gateways.RemoveAt(Replicas);
        return zone;
    }

    /// <summary>Protocol settings for PBFT: the batch size, a window wide enough to pipeline, no timers in the way.</summary>
    public ProtocolSettings PbftSettings() => new()
    {
        BatchSizeMax = BatchSizeMax,
        BatchTimeoutMs = 1,
        PendingRequestsMax = Math.Max(BatchSizeMax, 4 * Clients),
        // No view change may start during a run: timers far beyond any run's length.
        RequestTimeoutMs = 600_000,
        ViewChangeTimeoutMs = 600_000,
        RetransmitTimeoutMs = 600_000,
    };

    /// <summary>The command-line form, for starting a node in its own process.</summary>
    public IReadOnlyList<string> ToArguments() =>
    [
        "--protocol", Protocol.ToString().ToLowerInvariant(), "--execution", Execution.ToString().ToLowerInvariant(),
        "--replicas", Inv(Replicas), "--clients", Inv(Clients), "--request-bytes", Inv(RequestBytes), "--batch", Inv(BatchSizeMax),
        "--base-port", Inv(BasePort), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--seconds", Seconds.ToString("R", CultureInfo.InvariantCulture), "--warmup", WarmupSeconds.ToString("R", CultureInfo.InvariantCulture),
    ];

    /// <summary>Parses <see cref="ToArguments"/>'s form; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static ClusterSpec Parse(IReadOnlyList<string> args)
    {
        var spec = new ClusterSpec();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"{args[i]} needs a value");
            var (name, value) = (args[i], args[i + 1]);
            spec = name switch
            {
                "--protocol" => spec with { Protocol = Enum.TryParse<ClusterProtocol>(value, ignoreCase: true, out var p) ? p : throw new ArgumentException($"--protocol must be pbft or paxos, got \"{value}\"") },
                "--execution" => spec with { Execution = Enum.TryParse<ClusterExecution>(value, ignoreCase: true, out var e) ? e : throw new ArgumentException($"--execution must be null or kv, got \"{value}\"") },
                "--replicas" => spec with { Replicas = Int(name, value) },
                "--clients" => spec with { Clients = Int(name, value) },
                "--request-bytes" => spec with { RequestBytes = Int(name, value) },
                "--batch" => spec with { BatchSizeMax = Int(name, value) },
                "--base-port" => spec with { BasePort = Int(name, value) },
                "--seed" => spec with { Seed = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException($"--seed must be a whole number, got \"{value}\"") },
                "--seconds" => spec with { Seconds = Real(name, value) },
                "--warmup" => spec with { WarmupSeconds = Real(name, value) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        spec.EnsureValid();
        return spec;
    }

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{name} must be a whole number, got \"{value}\"");

    private static double Real(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new ArgumentException($"{name} must be a number, got \"{value}\"");
}
