using System.Runtime.InteropServices;

namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// Thin P/Invoke layer over libmosquitto 2.0 (Debian: libmosquitto1). Only what <see cref="MqttClient"/>
/// needs. Callbacks are plain C function pointers to <c>UnmanagedCallersOnly</c> methods, so there is no
/// delegate for the GC to collect while native code still holds it.
/// </summary>
internal static unsafe partial class MosquittoNative
{
    private const string Library = "mosquitto";

    public const int OptProtocolVersion = 1; // MOSQ_OPT_PROTOCOL_VERSION
    public const int OptSendMaximum = 5;     // MOSQ_OPT_SEND_MAXIMUM (the QoS>0 in-flight window)
    public const int OptTcpNoDelay = 11;     // MOSQ_OPT_TCP_NODELAY, since libmosquitto 1.6.5
    public const int ProtocolV311 = 4;       // MQTT_PROTOCOL_V311

    public const int LogInfo = 1 << 0;
    public const int LogNotice = 1 << 1;
    public const int LogWarning = 1 << 2;
    public const int LogError = 1 << 3;

    /// <summary>SUBACK return code of a refused subscription (MQTT 3.1.1 §3.9.3).</summary>
    public const int SubackFailure = 0x80;

    /// <summary>Version of the loaded library, "major.minor.revision".</summary>
    public static readonly string LibraryVersion;

    static MosquittoNative()
    {
        NativeLibraries.EnsureRegistered();
        // mosquitto_lib_init is not thread safe; a static constructor runs exactly once, under the
        // runtime's type-initialization lock, before any other member of this class is used.
        int rc = mosquitto_lib_init();
        if (rc != 0)
            throw new MqttException((MosquittoError)rc, "mosquitto_lib_init failed");
        int major, minor, revision;
        mosquitto_lib_version(&major, &minor, &revision);
        LibraryVersion = $"{major}.{minor}.{revision}";
        if (major < 2)
            throw new PlatformNotSupportedException($"libmosquitto {LibraryVersion} is too old; 2.0 or newer is required");
    }

    /// <summary>Forces the static constructor (library load and mosquitto_lib_init) to run.</summary>
    public static void EnsureInitialized() { }

    /// <summary>struct mosquitto_message; valid only for the duration of the on_message callback.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Mid;
        public byte* Topic;
        public byte* Payload;
        public int PayloadLength;
        public int Qos;
        public byte Retain; // C bool
    }

    [LibraryImport(Library)]
    private static partial int mosquitto_lib_init();

    [LibraryImport(Library)]
    private static partial int mosquitto_lib_version(int* major, int* minor, int* revision);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint mosquitto_new(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint userdata);

    [LibraryImport(Library)]
    public static partial void mosquitto_destroy(nint mosq);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_username_pw_set(MosquittoHandle mosq, string? username, string? password);

    [LibraryImport(Library)]
    public static partial int mosquitto_int_option(MosquittoHandle mosq, int option, int value);

    [LibraryImport(Library)]
    public static partial int mosquitto_reconnect_delay_set(
        MosquittoHandle mosq, uint delaySeconds, uint delayMaxSeconds, [MarshalAs(UnmanagedType.U1)] bool exponentialBackoff);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_connect_async(MosquittoHandle mosq, string host, int port, int keepaliveSeconds);

    [LibraryImport(Library)]
    public static partial int mosquitto_disconnect(MosquittoHandle mosq);

    [LibraryImport(Library)]
    public static partial int mosquitto_loop_start(MosquittoHandle mosq);

    [LibraryImport(Library)]
    public static partial int mosquitto_loop_stop(MosquittoHandle mosq, [MarshalAs(UnmanagedType.U1)] bool force);

    /// <param name="topic">NUL-terminated UTF-8.</param>
    [LibraryImport(Library)]
    public static partial int mosquitto_publish(
        MosquittoHandle mosq, int* mid, byte* topic, int payloadLength, byte* payload, int qos,
        [MarshalAs(UnmanagedType.U1)] bool retain);

    /// <param name="filter">NUL-terminated UTF-8.</param>
    [LibraryImport(Library)]
    public static partial int mosquitto_subscribe(MosquittoHandle mosq, int* mid, byte* filter, int qos);

    [LibraryImport(Library)]
    public static partial void mosquitto_connect_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> onConnect);

    [LibraryImport(Library)]
    public static partial void mosquitto_disconnect_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> onDisconnect);

    [LibraryImport(Library)]
    public static partial void mosquitto_publish_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> onPublish);

    [LibraryImport(Library)]
    public static partial void mosquitto_message_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, Message*, void> onMessage);

    [LibraryImport(Library)]
    public static partial void mosquitto_subscribe_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, int*, void> onSubscribe);

    [LibraryImport(Library)]
    public static partial void mosquitto_log_callback_set(
        MosquittoHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, byte*, void> onLog);

    [LibraryImport(Library)]
    public static partial byte* mosquitto_strerror(int rc);
}

/// <summary>
/// Owns a <c>struct mosquitto*</c> and the GCHandle that native callbacks use to find their
/// <see cref="MqttClient"/>. SafeHandle reference counting makes <c>mosquitto_destroy</c> wait until no
/// other thread is inside a native call on this handle (a publisher racing with dispose).
/// </summary>
internal sealed class MosquittoHandle : SafeHandle
{
    private GCHandle _owner;

    public MosquittoHandle(nint mosq, GCHandle owner) : base(0, ownsHandle: true)
    {
        SetHandle(mosq);
        _owner = owner;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        // The network thread must already be stopped (MqttClient stops it before disposing this
        // handle): destroying under a running loop is a use-after-free. The GCHandle goes last, so no
        // callback can ever see a freed handle.
        MosquittoNative.mosquitto_destroy(handle);
        if (_owner.IsAllocated) _owner.Free();
        return true;
    }
}
