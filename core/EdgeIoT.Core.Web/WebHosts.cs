using System.Net;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Core.Web;

/// <summary>How the verifier and the executors build their Kestrel hosts: one place for what both learned the hard way.</summary>
public static class WebHosts
{
    /// <summary>
    /// A slim web host listening on <paramref name="host"/>:<paramref name="port"/>, logging single lines at
    /// the configured level (ASP.NET Core's own chatter from warnings up), with no request body limit:
    /// every endpoint bounds its own body (<see cref="BoundedBody"/>).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(ProcessConfig config, string host, int port, Action<KestrelServerOptions>? configureKestrel = null)
    {
        // The content root is the binaries' folder, which nothing writes to: by default it is the working
        // directory (the network folder under `edgeiot up`), and the host watches it recursively for
        // appsettings changes, so every log line and SQLite page any process wrote woke this one.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevels.Parse(config.LogLevel));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(host), port);
            kestrel.Limits.MaxRequestBodySize = null;
            configureKestrel?.Invoke(kestrel);
        });
        return builder;
    }
}
