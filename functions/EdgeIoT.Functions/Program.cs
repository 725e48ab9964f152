using EdgeIoT.Applications;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Web;
using EdgeIoT.Functions;
using EdgeIoT.Functions.Protocol;

const string Usage = "EdgeIoT.Functions --config executor.json [--parent-watch] [--emulated-delay-ms N]";
try
{
    var arguments = HostRuntime.Parse(args, Usage);
    var emulatedDelay = EmulatedDelay.Parse(arguments.Rest, Usage);
    var config = ProcessConfig.Load(arguments.ConfigPath);
    var registry = NetworkRegistry.Load(config.Resolve(config.Registry));
    var member = registry.Executor(config.Id);
    using var key = KeyFile.Read(config.Resolve(config.KeyFile));
    var core = new ExecutorCore(registry, member.Index, key, new ApplicationSet(registry.Applications), ExecutorFaults.FromName(config.Byzantine));

    // Azure Functions tells a custom handler its port in FUNCTIONS_CUSTOMHANDLER_PORT.
    var azurePort = Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT");
    var (host, port) = azurePort is { Length: > 0 } ? ("127.0.0.1", int.Parse(azurePort)) : Endpoints.Parse(config.Listen);
    var builder = WebHosts.CreateBuilder(config, host, port);
    builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
    var app = builder.Build();
    var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("executor");
    using var http = new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 64,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    }) { Timeout = TimeSpan.FromSeconds(10) };
    var verifier = new VerifierClient(http, new Uri(registry.Verifier.Url), logger);
    var endpoint = new ExecuteEndpoint(core, verifier, logger, flood: config.Byzantine == ExecutorFaults.FloodVerify, emulatedDelay);
    app.MapPost("/api/execute", endpoint.HandleAsync);
    app.MapGet("/api/health", () => Results.Ok(new { executor = member.Id, counters = endpoint.Counters }));
    if (emulatedDelay.OneWayMs > 0) logger.LogWarning("emulating a wide-area executor: {Delay} ms one way on each leg", emulatedDelay.OneWayMs);
    if (config.Byzantine is { Length: > 0 } behaviour) logger.LogWarning("fault injection: this executor behaves as \"{Behaviour}\"", behaviour);

    using var stop = new CancellationTokenSource();
    using var shutdown = HostRuntime.InstallShutdown(stop, arguments.ParentWatch);
    await app.StartAsync(stop.Token);
    HostRuntime.AnnounceReady("executor", member.Id);
    _ = verifier.WarmUpAsync(stop.Token);
    try { await Task.Delay(Timeout.Infinite, stop.Token); }
    catch (OperationCanceledException) { }
    await app.StopAsync(CancellationToken.None);
    return 0;
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"executor: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    // Stopped (SIGTERM, Ctrl-C or the parent gone) before start-up finished: a clean stop, not a crash.
    Console.Error.WriteLine("executor: stopped during start-up");
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"executor: {e.Message}");
    return 2;
}
