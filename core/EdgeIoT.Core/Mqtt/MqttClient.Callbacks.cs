using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using static EdgeIoT.Core.Mqtt.MosquittoNative;

namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// Entry points for libmosquitto's callbacks, all on the network thread. An exception unwinding into
/// native code would terminate the process, so each entry point catches everything and reports it.
/// </summary>
public sealed unsafe partial class MqttClient
{
    /// <summary>
    /// The client whose callback this thread is running, so Dispose can tell it must not wait for itself.
    /// Restored, not cleared, on exit: libmosquitto also calls on_log on whichever thread publishes,
    /// including from inside another callback.
    /// </summary>
    [ThreadStatic]
    private static MqttClient? t_dispatching;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectNative(nint mosq, nint userdata, int rc)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            client?.OnConnect(rc);
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_connect", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnectNative(nint mosq, nint userdata, int rc)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            client?.OnDisconnect(rc);
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_disconnect", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublishNative(nint mosq, nint userdata, int mid)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            client?.OnPublish(mid);
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_publish", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMessageNative(nint mosq, nint userdata, Message* message)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            client?.OnMessage(message);
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_message", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnSubscribeNative(nint mosq, nint userdata, int mid, int grantedCount, int* grantedQos)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            client?.OnSubscribe(mid, grantedCount, grantedQos);
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_subscribe", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLogNative(nint mosq, nint userdata, int level, byte* text)
    {
        var outer = t_dispatching;
        MqttClient? client = null;
        try
        {
            client = Enter(userdata);
            if (client is null) return;
            var logLevel = level switch
            {
                LogError => LogLevel.Error,
                LogWarning => LogLevel.Warning,
                LogNotice or LogInfo => LogLevel.Information,
                _ => LogLevel.Trace, // per-packet debug lines
            };
            if (client._logger.IsEnabled(logLevel))
                MqttLog.Library(client._logger, logLevel, Marshal.PtrToStringUTF8((nint)text) ?? "");
        }
        catch (Exception e)
        {
            ReportNativeCallbackFailure(client, "on_log", e);
        }
        finally
        {
            t_dispatching = outer;
        }
    }

    private static MqttClient? Enter(nint userdata)
    {
        if (userdata == 0) return null;
        var client = GCHandle.FromIntPtr(userdata).Target as MqttClient;
        t_dispatching = client;
        return client;
    }

    private static void ReportNativeCallbackFailure(MqttClient? client, string callback, Exception e)
    {
        try
        {
            if (client is not null) MqttLog.NativeCallbackFailed(client._logger, e, callback);
        }
        catch
        {
            // Not even a failing logger may unwind into libmosquitto.
        }
    }

    private void OnConnect(int connackCode)
    {
        if (connackCode != 0)
        {
            MqttLog.ConnectRefused(_logger, _options.Host, _options.Port, MqttErrors.DescribeConnack(connackCode), connackCode);
            if (MqttErrors.IsPermanentConnackRefusal(connackCode))
                _firstConnack.TrySetException(new MqttConnectionRefusedException(connackCode));
            return;
        }
        long connection = Interlocked.Increment(ref _connections);
        ForgetUnwrittenAtMostOnce();
        MarkConnectedAndResubscribe();
        MqttLog.Connected(_logger, _displayId, _options.Host, _options.Port, connection);
        _firstConnack.TrySetResult();
        if (_disposing) return;
        var handlers = Connected;
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action)handler)();
            }
            catch (Exception e)
            {
                CountHandlerFailure(nameof(Connected), e);
            }
        }
    }

    private void OnDisconnect(int rc)
    {
        bool wasConnected = _isConnected;
        MarkDisconnected();
        if (rc == 0)
            MqttLog.Disconnected(_logger, _displayId, _options.Host, _options.Port);
        else if (wasConnected && !_disposing)
            MqttLog.ConnectionLost(_logger, _options.Host, _options.Port, MqttErrors.Describe(rc));
        else
            MqttLog.ConnectAttemptFailed(_logger, _options.Host, _options.Port, MqttErrors.Describe(rc));
        if (!wasConnected || _disposing) return;
        var handlers = Disconnected;
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<int>)handler)(rc);
            }
            catch (Exception e)
            {
                CountHandlerFailure(nameof(Disconnected), e);
            }
        }
    }

    /// <summary>The receive path: one copy of the payload, one topic string, no locks.</summary>
    private void OnMessage(Message* message)
    {
        Interlocked.Increment(ref _messagesReceived);
        int length = message->PayloadLength;
        if ((uint)length > (uint)_options.MaxPayloadBytes)
        {
            long dropped = Interlocked.Increment(ref _oversizedDropped);
            var level = MqttLog.Throttled(dropped);
            if (_logger.IsEnabled(level))
                MqttLog.OversizedDropped(_logger, level, DecodeTopic(message), length, _options.MaxPayloadBytes, dropped);
            return;
        }
        var handler = MessageReceived;
        if (handler is null || _disposing) return;
        byte[] payload = length == 0 ? [] : GC.AllocateUninitializedArray<byte>(length);
        new ReadOnlySpan<byte>(message->Payload, length).CopyTo(payload);
        try
        {
            handler(new MqttMessage(DecodeTopic(message), payload, message->Qos, message->Retain != 0));
        }
        catch (Exception e)
        {
            CountHandlerFailure(nameof(MessageReceived), e);
        }
    }

    private static string DecodeTopic(Message* message) => Marshal.PtrToStringUTF8((nint)message->Topic) ?? "";

    private void CountHandlerFailure(string callback, Exception e)
    {
        long failures = Interlocked.Increment(ref _handlerFailures);
        MqttLog.HandlerFailed(_logger, MqttLog.Throttled(failures, LogLevel.Error), e, callback, failures);
    }
}
