using System.Runtime.InteropServices;

namespace EdgeIoT.Cli.Launch;

/// <summary>The POSIX signals the launcher sends (Linux numbers).</summary>
public enum Signal
{
    /// <summary>SIGTERM: every host shuts down cleanly on it.</summary>
    Term = 15,
    /// <summary>SIGKILL: cannot be caught; a crash as far as the rest of the network can tell.</summary>
    Kill = 9,
}

internal static partial class Libc
{
    private const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when no such process exists any more.</summary>
    public static bool Kill(int pid, Signal signal)
    {
        if (pid <= 0) throw new ArgumentOutOfRangeException(nameof(pid), pid, "a signal goes to one process, never a group");
        if (KillNative(pid, (int)signal) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ESRCH) return false;
        throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
    }
}
