using System.CommandLine;
using ControlTower.Core.Errors;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform;
using ModelContextProtocol.Server;

namespace ControlTower.Server.McpHost;

/// <summary>
/// <c>controltower mcp</c>: Control Tower's MCP server over stdio, for MCP hosts that start servers as a
/// command. The caller is the API key in <see cref="ApiKeyVariable"/> (credentials of stdio servers come from
/// the environment). The full app runs in the process (engine included, HTTP on a loopback ephemeral port)
/// and every log line goes to stderr, keeping stdout for the protocol.
/// </summary>
internal static class McpStdioCommand
{
    public const string ApiKeyVariable = "CONTROLTOWER_API_KEY";
    public const string StdioProtocolVersion = "2025-11-25";

    public static Command Create()
    {
        var command = new Command("mcp", $"Serve Control Tower's MCP server over stdio (tools: published workflows). Acts as the API key in {ApiKeyVariable}.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, ct) =>
        {
            var key = Environment.GetEnvironmentVariable(ApiKeyVariable);
            if (string.IsNullOrEmpty(key))
            {
                await Console.Error.WriteLineAsync($"controltower mcp: set {ApiKeyVariable} to an API key; the MCP caller acts as its user.");
                return 2;
            }

            string[] args = [.. parse.UnmatchedTokens, "--urls", "http://127.0.0.1:0", "--Logging:Console:LogToStandardErrorThreshold", "Trace"];
            await using var app = ControlTowerApp.Build(args);
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            var caller = StartAsync(app, key, ct);
            var options = app.Services.GetRequiredService<ControlTowerMcpServer>().OptionsFor(caller);
            // One session per process: the initialize handshake. With the SDK's default (2026-07-28 discovery also
            // offered) its own stdio client probed server/discover and then failed its initialize fallback.
            options.ProtocolVersion = StdioProtocolVersion;
            await using (var transport = new StdioServerTransport(options, loggers))
            await using (var server = McpServer.Create(transport, options, loggers, app.Services))
            {
                var running = server.RunAsync(ct);
                try
                {
                    await caller;
                }
                catch (ControlTowerException invalid) when (invalid.Code == McpHostErrorCodes.ApiKeyInvalid)
                {
                    await Console.Error.WriteLineAsync($"controltower mcp: {invalid.Message} ({invalid.Code})");
                    return 2;
                }

                await running;
                app.Services.GetRequiredService<ResourceSubscriptions>().EndSession(server);
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    /// <summary>Starts the app (migrations, engine) and verifies the key; the MCP handlers wait for this.</summary>
    private static async Task<McpCaller> StartAsync(WebApplication app, string key, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        var verified = await app.Services.GetRequiredService<ApiKeyVerifier>().VerifyAsync(key, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.Unauthorized, McpHostErrorCodes.ApiKeyInvalid, $"{ApiKeyVariable} is not a valid API key.");
        return new McpCaller(verified.User.Id, verified.User.Role, $"user:{verified.User.Name}");
    }
}
