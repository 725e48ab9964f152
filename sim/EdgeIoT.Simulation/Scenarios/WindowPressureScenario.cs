namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A watermark window of 1 to 3 batches, one transaction per batch, more devices than the window: the
/// primary keeps hitting h + L and slides as DECIDED notices arrive. SAFETY PHASE ONLY for now: a
/// backup whose notice arrives after the primary's drops the PRE-PREPARE for the new h + L as outside
/// its window, nothing retransmits it, and with two such backups that k never commits.
/// </summary>
public sealed class WindowPressureScenario : Scenario
{
    public override string Name => "window-pressure";
    public override string Description => "a full watermark window: proposals wait for DECIDED notices, backups see messages above their window";
    public override string LivenessSkipReason => "safety phase only: PBFT drops messages above a backup's high watermark and never retransmits them (needs buffering or checkpoints)";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Protocol.WindowBatches = 1 + random.Next(3);
        setup.Protocol.BatchSizeMax = 1;
        setup.CorrectDevicesPerZone = 6;
    }
}
