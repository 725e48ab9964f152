using System.Runtime.InteropServices;
using EdgeIoT.Cli;

using var stop = new CancellationTokenSource();
// The first Ctrl-C or SIGTERM asks the running command to stop its processes and report; a second one
// ends the CLI at once, and the children follow when their stdin pipes close.
void OnSignal(PosixSignalContext context)
{
    if (stop.IsCancellationRequested) return;
    context.Cancel = true;
    Console.Error.WriteLine(context.Signal == PosixSignal.SIGINT ? "\nstopping… (Ctrl-C again to quit at once)" : "\nstopping on SIGTERM…");
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

return await new CliApp(Console.Out, Console.Error).RunAsync(args, stop.Token);
