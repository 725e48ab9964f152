using EdgeIoT.Core.Config;

namespace EdgeIoT.Core.Hosting;

/// <summary>
/// Conventions every EdgeIoT process follows, so one launcher supervises them all:
/// <c>--config FILE</c> names the process configuration; with <c>--parent-watch</c> the process
/// exits when its standard input closes (its launcher died); it prints exactly one line
/// <c>EDGEIOT-READY role id</c> once it serves; SIGTERM and Ctrl-C stop it cleanly.
/// </summary>
public static class HostRuntime
{
    public const string ReadyPrefix = "EDGEIOT-READY";

    public sealed record Arguments(string ConfigPath, bool ParentWatch, IReadOnlyList<string> Rest);

    public static Arguments Parse(string[] args, string usage)
    {
        string? config = null;
        var parentWatch = false;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length: config = args[++i]; break;
                case "--parent-watch": parentWatch = true; break;
                default: rest.Add(args[i]); break;
            }
        }
        if (config is null) throw new ConfigurationException($"missing --config FILE\nusage: {usage}");
        return new Arguments(config, parentWatch, rest);
    }

    /// <summary>Cancels <paramref name="stop"/> on SIGTERM/SIGINT, and (with parent watch) when stdin reaches EOF.</summary>
    public static IDisposable InstallShutdown(CancellationTokenSource stop, bool parentWatch)
    {
        var registrations = new List<IDisposable>
        {
            System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); }),
            System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); }),
        };
        if (parentWatch)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    using var input = Console.OpenStandardInput();
                    var buffer = new byte[256];
                    while (input.Read(buffer, 0, buffer.Length) > 0) { }
                }
                catch (IOException) { }
                stop.Cancel();
            }) { IsBackground = true, Name = "parent-watch" };
            thread.Start();
        }
        return new Registrations(registrations);
    }

    public static void AnnounceReady(string role, string id)
    {
        Console.Out.WriteLine($"{ReadyPrefix} {role} {id}");
        Console.Out.Flush();
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
