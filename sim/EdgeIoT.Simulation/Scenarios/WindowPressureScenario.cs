namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A watermark window of 1 to 3 batches, one transaction per batch, more devices than the window: the
/// primary keeps hitting h + L and slides as DECIDED notices arrive. A backup whose notice arrives
/// after the primary's still keeps the PRE-PREPARE for the new h + L: backups keep messages up to
/// two windows above h (found by this scenario, fixed in the replica).
/// </summary>
public sealed class WindowPressureScenario : Scenario
{
    public override string Name => "window-pressure";
    public override string Description => "a full watermark window: proposals wait for DECIDED notices, backups see messages above their window";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Protocol.WindowBatches = 1 + random.Next(3);
        setup.Protocol.BatchSizeMax = 1;
        setup.CorrectDevicesPerZone = 6;
    }
}
