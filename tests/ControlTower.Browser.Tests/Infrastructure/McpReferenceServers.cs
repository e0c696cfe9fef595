using System.Diagnostics;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>
/// The pinned npm MCP reference servers under tools/mcp-servers/node_modules, installed by
/// scripts/install-mcp-servers.sh (from the committed lockfile) when missing.
/// </summary>
internal static class McpReferenceServers
{
    private static readonly Lazy<string> Installed = new(LocateAndInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>server-memory's entry point: a knowledge graph whose entities can be created, read and deleted.</summary>
    public static string Memory => Installed.Value;

    private static string LocateAndInstall()
    {
        var root = Artifacts.RepositoryRoot();
        var entry = Path.Combine(root, "tools", "mcp-servers", "node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js");
        if (File.Exists(entry))
        {
            return entry;
        }

        var script = Path.Combine(root, "scripts", "install-mcp-servers.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start bash");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 && File.Exists(entry)
            ? entry
            : throw new InvalidOperationException($"{script} did not install {entry} (exit {process.ExitCode}): {stderr.Result}");
    }
}
