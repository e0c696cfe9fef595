using System.Text.Json.Serialization;
using ControlTower.Server.Audit;
using ControlTower.Server.Credentials;
using ControlTower.Server.Governance;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Http;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Mcp;
using ControlTower.Server.Operations;
using ControlTower.Server.Nodes;
using ControlTower.Server.NodeSwitches;
using ControlTower.Server.Rules;
using ControlTower.Server.Runs;
using ControlTower.Server.Triggers;
using ControlTower.Server.Trust;
using ControlTower.Server.Trust.Learning;
using ControlTower.Server.Workflows;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Platform;

/// <summary>Composes the web application: options, services, the request pipeline and the endpoints.</summary>
internal static class ControlTowerApp
{
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplication Build(string[] args)
    {
        // The dashboard and appsettings.json ship next to the binary (bin or publish folder), whatever the working directory is.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = HostEnvironmentName(args),
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.ClearProviders()
            .AddConsole(options => options.FormatterName = RedactingJsonConsoleFormatter.Name)
            .AddConsoleFormatter<RedactingJsonConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        if (builder.Configuration["Logging:LogLevel:Microsoft.EntityFrameworkCore"] is null)
        {
            // One log line per SQL command costs more than the command: EF Core logs warnings unless configured otherwise.
            builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        }

        AddServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        UsePipeline(app);
        MapEndpoints(app);
        return app;
    }

    /// <summary>
    /// The host's environment is named after the run mode (Demo, Development, Production), so the start-up log says
    /// what the platform is; an environment the host was given explicitly (a test host, <c>DOTNET_ENVIRONMENT</c>) stays.
    /// </summary>
    private static string? HostEnvironmentName(string[] args)
    {
        var given = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        if (!string.IsNullOrEmpty(given["environment"] ?? given["ASPNETCORE_ENVIRONMENT"] ?? given["DOTNET_ENVIRONMENT"]))
        {
            return null;
        }

        var mode = new PlatformOptions { Environment = given["ENVIRONMENT"] ?? "demo" }.Mode;
        return mode.ToString();
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        var platform = AddValidatedOptions<PlatformOptions>(services, configuration);
        var database = AddValidatedOptions<DatabaseOptions>(services, configuration);
        var security = AddValidatedOptions<SecurityOptions>(services, configuration);
        AddValidatedOptions<AuditOptions>(services, configuration);
        AddValidatedOptions<InputOptions>(services, configuration);
        var telemetry = AddValidatedOptions<TelemetryOptions>(services, configuration);
        services.AddSingleton<IValidateOptions<SecurityOptions>, ProductionSafety>();

        services.AddSingleton(TimeProvider.System);
        services.AddControlTowerTelemetry(telemetry);
        services.AddSingleton<PlatformMetrics>();
        services.AddPersistence(DatabaseConnection.Resolve(database, platform));
        Caching.CachingServiceCollectionExtensions.AddSharedCache(services, configuration);
        services.AddHostedService<PlatformInitializer>();
        services.AddSingleton<DemoSeeder>();
        services.AddSingleton<Pharmacy.PharmacyDemoSeeder>();
        Demo.Scenarios.ScenarioEndpoints.AddDemoScenarios(services);

        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditQueries>();
        services.AddSingleton<AuditArchiver>();
        services.AddSingleton<AuditFileExporter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditFileExporter>());

        services.AddSingleton<BuiltInUsers>();
        services.AddSingleton<ApiKeyVerifier>();
        services.AddSingleton<IdentityService>();
        services.AddSingleton<FailedAuthenticationThrottle>();
        services.AddControlTowerAuthentication(configuration);
        services.AddRolePolicies();
        services.AddRequestRateLimiting(security);
        services.AddCredentials(configuration);
        AddValidatedOptions<WorkflowOptions>(services, configuration);
        services.AddSingleton<WorkflowGraphValidation>();
        services.AddWorkflowDefinitions();
        services.AddSingleton<SubworkflowReferences>();
        services.AddSingleton<WorkflowService>();
        services.AddSingleton<WorkflowSharing>();
        services.AddSingleton<WorkflowCredentialCheck>();
        Blobs.BlobServiceCollectionExtensions.AddBlobStore(services, configuration);
        AddEngine(services, AddValidatedOptions<EngineOptions>(services, configuration));
        Retention.RetentionServiceCollectionExtensions.AddRetention(services, configuration);
        services.AddLoadShedding(configuration);
        services.AddTriggers(configuration);
        Releases.ReleasesServiceCollectionExtensions.AddReleases(services, configuration);
        services.AddGovernance();
        services.AddTrustLearning(configuration);
        services.AddTrust();
        Demo.DemoEndpoints.AddDemo(services);
        Planning.PlanningServiceCollectionExtensions.AddPlanning(services);

        services.AddOperations(configuration);
        services.AddControlTowerProblemDetails();
        ApiDocs.ApiDocsEndpoints.AddApiDocs(services);
        services.AddPlatformHealthChecks();
        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
            policy.WithOrigins([.. security.CorsOriginList]).AllowAnyHeader().AllowAnyMethod()));
        services.Configure<JsonOptions>(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower)));
        services.Configure<JsonOptions>(json => RequestJson.Configure(json.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = platform.MaxRequestBodyBytes);
    }

    private static void AddEngine(IServiceCollection services, EngineOptions engine)
    {
        services.AddNodeExecutors();
        services.AddMcpFederation();
        services.AddMcpHosting();
        services.AddSingleton<RunWorkSignal>();
        services.AddSingleton<RunEventNotifier>();
        services.AddSingleton<InFlightNodes>();
        services.AddSingleton<EngineMetrics>();
        services.AddSingleton<RunTransitions>();
        services.AddSingleton<RunStarter>();
        services.AddSingleton<RunTaskClaimer>();
        services.AddSingleton<RunTaskProcessor>();
        services.AddSingleton<NodeAttemptRunner>();
        services.AddSingleton<RunStretches>();
        services.AddSingleton<RunCommitQueue>();
        services.AddSingleton<NodeOutputLimit>();
        services.AddSingleton<RunTaskHandlers>();
        services.AddSingleton<IRunTaskHandler, ApprovalTaskHandler>();
        services.AddSingleton<IRunTaskHandler, ParkedTaskHandler>();
        services.AddSingleton<INodeAttemptGate, NodeSwitchGate>();
        services.AddSingleton<NodeTypeSwitches>();
        services.AddSingleton<NodeTypeParking>();
        services.AddSingleton<RunService>();
        services.AddSingleton<ICancelledAttemptHook, ChildRunCancellation>();
        services.AddHostedService<PostgresRunNotifications>();
        services.AddSingleton<ReplayRecordings>();
        services.AddSingleton<RunPins>();
        services.AddSingleton<RunReplayer>();
        if (engine.WorkerEnabled)
        {
            services.AddHostedService<RunWorker>();
        }
    }

    /// <summary>Binds an options class from the flat configuration keys, validated when the host starts.</summary>
    private static T AddValidatedOptions<T>(IServiceCollection services, IConfiguration configuration)
        where T : class, new()
    {
        services.AddOptions<T>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        return configuration.Get<T>() ?? new T();
    }

    private static void UsePipeline(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Bundles are content-hashed: cache them for good; index.html comes from the fallback, uncached.
            OnPrepareResponse = file =>
            {
                if (file.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal))
                {
                    file.Context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                }
            },
        });
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseCors();
        app.UseMiddleware<FailedAuthenticationThrottleMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<RequestRateLimitingMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<LoadSheddingMiddleware>();
        app.UseMiddleware<JsonBodyGuardMiddleware>();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapHealthEndpoints();
        app.MapIdentityEndpoints();
        app.MapAuditEndpoints();
        app.MapWorkflowEndpoints();
        app.MapRunEndpoints();
        app.MapReplayEndpoints();
        Blobs.BlobServiceCollectionExtensions.MapBlobEndpoints(app);
        Retention.RetentionServiceCollectionExtensions.MapRetentionEndpoints(app);
        Releases.ReleaseEndpoints.MapReleaseEndpoints(app);
        app.MapWebhookEndpoints();
        app.MapCredentialEndpoints();
        app.MapMcpEndpoints();
        app.MapMcpTryEndpoints();
        Planning.PlannerEndpoints.MapPlannerEndpoints(app);
        McpHost.McpHttpEndpoint.MapControlTowerMcp(app);
        app.MapApprovalEndpoints();
        app.MapGovernanceEndpoints();
        app.MapTrustEndpoints();
        app.MapRuleSetEndpoints();
        app.MapNodeSwitchEndpoints();
        Demo.Scenarios.ScenarioEndpoints.MapDemoScenarioEndpoints(app);
        Demo.DemoEndpoints.MapDemoEndpoints(app);
        app.MapOperations();
        ApiDocs.ApiDocsEndpoints.MapApiDocs(app);

        // Last: the dashboard's fallback answers only what no endpoint above claimed.
        app.MapDashboard();
    }
}
