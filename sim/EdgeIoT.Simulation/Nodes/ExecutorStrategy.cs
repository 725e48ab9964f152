using EdgeIoT.Functions.Protocol;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// What an executor does with the VERIFY its real core signed, and which <see cref="IExecutorFault"/>
/// (if any) its core runs with. Honest: deliver it once.
/// </summary>
public abstract class ExecutorStrategy
{
    public virtual string Name => GetType().Name;
    public abstract bool IsByzantine { get; }
    public virtual IExecutorFault? Fault => null;
    protected internal Random Random { get; internal set; } = null!;

    /// <summary>Whether the host processes an arriving message at all: false drops it (a silent executor).</summary>
    public virtual bool AcceptInbound(SimExecutor executor, Message message) => true;

    public virtual void OnVerify(SimExecutor executor, BatchExecution execution, Signed verify) => executor.SendVerify(verify.ToByteArray());
}

public sealed class HonestExecutor : ExecutorStrategy
{
    public override bool IsByzantine => false;
}
