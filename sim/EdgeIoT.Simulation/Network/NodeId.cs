namespace EdgeIoT.Simulation.Network;

public enum NodeRole : byte
{
    Gateway,
    Executor,
    Verifier,
    Device,
}

/// <summary>A node of the simulated network. Gateways and devices are numbered across zones.</summary>
public readonly record struct NodeId(NodeRole Role, int Index)
{
    public static readonly NodeId Verifier = new(NodeRole.Verifier, 0);

    public override string ToString() => Role switch
    {
        NodeRole.Gateway => $"g{Index}",
        NodeRole.Executor => $"e{Index}",
        NodeRole.Verifier => "verifier",
        _ => $"dev{Index}",
    };
}
