using EdgeIoT.Devices;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// For scenarios whose setting promises that no correct device's transaction aborts (conflict
/// avoidance with declared read/write sets, and a spawning mode the primary cannot skew): any ABORT a
/// correct device hears is a forced abort.
/// </summary>
public sealed class NoAbortsChecker(World world) : Checker(world)
{
    public override string Name => "no-forced-aborts";

    public override void OnDeviceCompleted(SimDevice device, DeviceResult result)
    {
        if (result.Outcome == DeviceOutcome.Aborted)
            throw Violation($"{device.Name}@{result.Timestamp} was aborted at k={result.Seq} ({result.Reason}) where the setting promises no aborts");
    }
}
