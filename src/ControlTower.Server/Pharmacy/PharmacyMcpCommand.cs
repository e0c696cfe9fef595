using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;
using ModelContextProtocol.Server;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// <c>controltower pharmacy-mcp --data &lt;file&gt; [--seed &lt;n&gt;]</c> (hidden): the demo pharmacy's MCP server over
/// stdio (<see cref="PharmacyMcpServer"/>). It starts no web host and opens no database: the JSON state file is
/// its whole state. With <c>--seed</c>, a missing file is first created with the stock and the back office that
/// seed produces (<see cref="PharmacySeed"/>); an existing file is never overwritten. Logs go to stderr, keeping stdout for the protocol. The demo registers it as the stdio server
/// <see cref="ServerId"/>, launched with <see cref="Launch"/>.
/// </summary>
internal static class PharmacyMcpCommand
{
    public const string Name = "pharmacy-mcp";
    public const string ServerId = "pharmacy";

    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Required = true, Description = "The state JSON file (created by the demo seed or --seed; shared by every server process)." };
        var seed = new Option<int?>("--seed") { Description = "Create a missing state file with the stock and back office of this seed (same seed, same data)." };
        var command = new Command(Name, "Serve the demo pharmacy's stock and back office as an MCP server over stdio.") { Hidden = true, Options = { data, seed } };
        command.SetAction(async (parse, ct) =>
        {
            using var loggers = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            var inventory = new PharmacyInventory(parse.GetValue(data)!.FullName, TimeProvider.System);
            if (parse.GetValue(seed) is { } n)
            {
                var (stock, backOffice) = PharmacySeed.Create(n);
                await inventory.SeedAsync(stock, backOffice, ct);
            }

            var options = new PharmacyMcpServer(inventory).Options();
            await using var transport = new StdioServerTransport(options, loggers);
            await using var server = McpServer.Create(transport, options, loggers);
            await server.RunAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The command and arguments that start this server from the binary that is running now: the app host
    /// (<c>controltower</c>) when the process is it; otherwise the dotnet host with this assembly's path (started as
    /// <c>dotnet controltower.dll</c>, or loaded by another host such as a test runner). A single-file app has no
    /// assembly path and is its own process.
    /// </summary>
    public static McpServerDefinition Launch(string dataFile, string id = ServerId, string name = "Pharmacy inventory")
    {
        var (command, prefix) = SelfCommand();
        return new McpServerDefinition
        {
            Id = id,
            Name = name,
            Transport = McpTransportKind.Stdio,
            Command = command,
            Arguments = [.. prefix, Name, "--data", Path.GetFullPath(dataFile)],
        };
    }

    private static (string Command, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var assembly = typeof(PharmacyMcpCommand).Assembly;
        var process = Environment.ProcessPath
            ?? throw new ControlTowerException(ErrorKind.Internal, PharmacyErrorCodes.LaunchUnavailable, "The running process has no path to start the pharmacy server with.");
        var location = assembly.Location;
        if (string.IsNullOrEmpty(location) || IsAppHostOf(process, assembly))
        {
            return (process, []);
        }

        return (DotnetHost(process), [location]);
    }

    private static bool IsAppHostOf(string process, Assembly assembly) =>
        string.Equals(Path.GetFileNameWithoutExtension(process), assembly.GetName().Name, StringComparison.Ordinal)
        && string.Equals(Path.GetDirectoryName(process), Path.GetDirectoryName(assembly.Location), StringComparison.Ordinal);

    /// <summary>This process when it is the dotnet host; else the host beside the running runtime
    /// (<c>&lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/</c>), else <c>dotnet</c> on PATH.</summary>
    private static string DotnetHost(string process)
    {
        var executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (string.Equals(Path.GetFileName(process), executable, StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }

        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var beside = Path.Combine(root, executable);
        return File.Exists(beside) ? beside : executable;
    }
}
