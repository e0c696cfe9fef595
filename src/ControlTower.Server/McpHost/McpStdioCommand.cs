using System.CommandLine;
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
            await app.StartAsync(ct);
            var verified = await app.Services.GetRequiredService<ApiKeyVerifier>().VerifyAsync(key, ct);
            if (verified is null)
            {
                await Console.Error.WriteLineAsync($"controltower mcp: {ApiKeyVariable} is not a valid API key.");
                await app.StopAsync(CancellationToken.None);
                return 2;
            }

            var caller = new McpCaller(verified.User.Id, verified.User.Role, $"user:{verified.User.Name}");
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            var options = app.Services.GetRequiredService<ControlTowerMcpServer>().OptionsFor(caller);
            await using (var transport = new StdioServerTransport(options, loggers))
            await using (var server = McpServer.Create(transport, options, loggers, app.Services))
            {
                await server.RunAsync(ct);
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
