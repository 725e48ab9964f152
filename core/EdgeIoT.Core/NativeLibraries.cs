using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeIoT.Core;

/// <summary>
/// Maps the logical native library names used by P/Invoke in this assembly to the sonames Debian
/// installs. Debian ships only versioned sonames (libsodium.so.23, libmosquitto.so.1) unless the -dev
/// packages are present, so the default probing would miss them.
/// </summary>
internal static class NativeLibraries
{
    private static int _registered;

#pragma warning disable CA2255 // a library must register its resolver before any P/Invoke runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        string[] candidates = name switch
        {
            "sodium" => ["libsodium.so.23", "libsodium.so.26", "libsodium.so", "libsodium"],
            "mosquitto" => ["libmosquitto.so.1", "libmosquitto.so", "libmosquitto"],
            _ => [],
        };
        foreach (var candidate in candidates)
            if (NativeLibrary.TryLoad(candidate, assembly, path, out var handle))
                return handle;
        return IntPtr.Zero;
    }
}
