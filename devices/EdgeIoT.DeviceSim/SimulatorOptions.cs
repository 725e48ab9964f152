using EdgeIoT.Devices;

namespace EdgeIoT.DeviceSim;

internal sealed record SimulatorOptions(string Workload, int? Devices, double? Seconds, int? TransactionsPerDevice, int? Connections, double WarmupSeconds, int Seed)
{
    /// <summary>Percent of kv transactions that conflict (hot-key read-modify-writes), 0..50.</summary>
    public int ConflictPercent { get; init; }
    /// <summary>Percent of a device's requests that are migrations to another zone (ziziphus §5 "global transactions"), 0..100.</summary>
    public int GlobalPercent { get; init; }
    /// <summary>kv transactions declare their read/write sets.</summary>
    public bool DeclareReadWriteSets { get; init; }
    /// <summary>Transactions each device signs before the clock starts (0: sign each one just before sending it).</summary>
    public int PresignPerDevice { get; init; }
    /// <summary>SHA-256 rounds of synthetic work per kv transaction (0: the plain kv mix).</summary>
    public int WorkRounds { get; init; }
    /// <summary>
    /// Transactions per second all devices together send at most (null: as fast as responses come).
    /// Each device still waits for its response; it also waits for its turn, spread evenly over the devices.
    /// </summary>
    public double? RateTps { get; init; }

    public static SimulatorOptions Parse(IReadOnlyList<string> args, string usage)
    {
        string workload = "mixed";
        int? devices = null, perDevice = null, connections = null;
        double? seconds = null;
        double warmup = 0;
        var seed = 1;
        var conflict = 0;
        var declare = false;
        var globalPercent = 0;
        var presign = 0;
        var work = 0;
        double? rate = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\nusage: {usage}");
            switch (args[i])
            {
                case "--workload": workload = Value(); break;
                case "--devices": devices = int.Parse(Value()); break;
                case "--seconds": seconds = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--transactions-per-device": perDevice = int.Parse(Value()); break;
                case "--connections": connections = int.Parse(Value()); break;
                case "--warmup-seconds": warmup = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Value()); break;
                case "--conflict": conflict = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--declare-rw": declare = true; break;
                case "--global": globalPercent = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--presign": presign = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--work-rounds": work = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--rate": rate = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}\nusage: {usage}");
            }
        }
        if (!Workloads.Names.Contains(workload)) throw new ArgumentException($"unknown workload \"{workload}\" (known: {string.Join(", ", Workloads.Names)})");
        if (devices is < 1) throw new ArgumentException("--devices must be at least 1");
        if (globalPercent is < 0 or > 100) throw new ArgumentException("--global must be a percentage within 0..100");
        if (conflict is < 0 or > WorkloadOptions.ConflictPercentMax) throw new ArgumentException($"--conflict must be a percentage within 0..{WorkloadOptions.ConflictPercentMax}");
        if (presign is < 0 or > Presigner.PerDeviceMax) throw new ArgumentException($"--presign must be within 0..{Presigner.PerDeviceMax} transactions per device");
        if (work is < 0 or > WorkloadOptions.WorkRoundsMax) throw new ArgumentException($"--work-rounds must be within 0..{WorkloadOptions.WorkRoundsMax}");
        if (work > 0 && workload != "kv") throw new ArgumentException("--work-rounds shapes kv transactions: use --workload kv");
        if (rate is { } r && !(r > 0 && r <= SendSchedule.RateTpsMax)) throw new ArgumentException($"--rate must be a number of transactions per second within (0, {SendSchedule.RateTpsMax}]");
        if (warmup < 0) throw new ArgumentException("--warmup-seconds must not be negative");
        if (seconds is { } s && warmup >= s) throw new ArgumentException($"--warmup-seconds {warmup} leaves nothing of --seconds {s} to measure");
        return new SimulatorOptions(workload, devices, seconds, perDevice, connections, warmup, seed) { ConflictPercent = conflict, DeclareReadWriteSets = declare, GlobalPercent = globalPercent, PresignPerDevice = presign, WorkRounds = work, RateTps = rate };
    }
}
