using EdgeIoT.Core.Crypto;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// An executor whose core runs with an <see cref="IExecutorFault"/> — by default the core's
/// <see cref="WrongResultsFault"/>, which is deterministic, so f_E liars given the same reads agree
/// on the same wrong outcome: colluding, the worst case for the verifier's f_E+1 quorum.
/// </summary>
public sealed class LyingExecutor(IExecutorFault? fault = null) : ExecutorStrategy
{
    private readonly IExecutorFault _fault = fault ?? new WrongResultsFault();

    public override bool IsByzantine => true;
    public override IExecutorFault? Fault => _fault;
}

/// <summary>
/// F3 and worse (serverlessbft §5.3): floods of duplicate VERIFY, bad signatures, VERIFY re-signed for
/// the wrong k, a digest that does not match the batch, garbage outcomes, another executor's index,
/// an unregistered index, random bytes — and sometimes its honest VERIFY as well, after the garbage.
/// </summary>
public sealed class GarbageExecutor : ExecutorStrategy
{
    public override bool IsByzantine => true;
    public long GarbageSent { get; private set; }

    public override void OnVerify(SimExecutor executor, BatchExecution execution, Signed verify)
    {
        var behaviours = 1 + Random.Next(3);
        for (var b = 0; b < behaviours; b++) SendGarbage(executor, verify);
        if (Random.Next(2) == 0) executor.SendVerify(verify.ToByteArray());
    }

    private void SendGarbage(SimExecutor executor, Signed honest)
    {
        var body = Verify.Parser.ParseFrom(honest.Body);
        var executors = executor.World.Registry.Executors.Members.Count;
        switch (Random.Next(8))
        {
            case 0:
                var copies = 10 + Random.Next(20);
                for (var i = 0; i < copies; i++) Send(executor, honest.ToByteArray());
                break;
            case 1:
                var flipped = honest.Clone();
                var signature = flipped.Signature.ToByteArray();
                signature[Random.Next(signature.Length)] ^= (byte)(1 + Random.Next(255));
                flipped.Signature = ByteString.CopyFrom(signature);
                Send(executor, flipped.ToByteArray());
                break;
            case 2:
                var wrongSeq = body.Clone();
                wrongSeq.Seq = body.Seq > 1 && Random.Next(3) == 0 ? body.Seq - 1 : body.Seq + 1 + (ulong)Random.Next(2);
                Send(executor, executor.Sign(wrongSeq).ToByteArray());
                break;
            case 3:
                var impersonated = honest.Clone();
                impersonated.Signer = (uint)((executor.Index + 1 + Random.Next(executors - 1)) % executors);
                Send(executor, impersonated.ToByteArray());
                break;
            case 4:
                var stranger = honest.Clone();
                stranger.Signer = (uint)(executors + Random.Next(100));
                Send(executor, stranger.ToByteArray());
                break;
            case 5:
                var junk = new byte[1 + Random.Next(200)];
                Random.NextBytes(junk);
                Send(executor, junk);
                break;
            case 6:
                var wrongDigest = body.Clone();
                var digest = new byte[Bytes32.Size];
                Random.NextBytes(digest);
                wrongDigest.BatchDigest = ByteString.CopyFrom(digest);
                Send(executor, executor.Sign(wrongDigest).ToByteArray());
                break;
            default:
                var garbled = body.Clone();
                var outcomes = new byte[1 + Random.Next(64)];
                Random.NextBytes(outcomes);
                garbled.Outcomes = ByteString.CopyFrom(outcomes);
                Send(executor, executor.Sign(garbled).ToByteArray());
                break;
        }
    }

    private void Send(SimExecutor executor, byte[] bytes)
    {
        GarbageSent++;
        executor.SendVerify(bytes);
    }
}

/// <summary>An executor that never answers: crashed, or withholding its vote (S3 from the executor's side).</summary>
public sealed class SilentExecutor : ExecutorStrategy
{
    public override bool IsByzantine => true;

    public override bool AcceptInbound(SimExecutor executor, Message message) => false;
}
