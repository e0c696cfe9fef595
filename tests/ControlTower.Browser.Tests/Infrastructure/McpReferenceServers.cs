using System.Diagnostics;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>
/// The pinned npm MCP reference servers under tools/mcp-servers/node_modules, installed by
/// scripts/install-mcp-servers.sh (from the committed lockfile) when missing, as the Server tests use them.
/// </summary>
internal static class McpReferenceServers
{
    private static readonly Lazy<string> ModulesDirectory = new(LocateAndInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>server-everything's entry script: run as <c>node &lt;script&gt; stdio</c>.</summary>
    public static string Everything => EntryOf("server-everything");

    /// <summary>server-memory's entry point: a knowledge graph whose entities can be created, read and deleted.</summary>
    public static string Memory => EntryOf("server-memory");

    private static string EntryOf(string package)
    {
        var entry = Path.Combine(ModulesDirectory.Value, "@modelcontextprotocol", package, "dist", "index.js");
        return File.Exists(entry) ? entry : throw new InvalidOperationException($"The MCP reference server {package} is missing: {entry}");
    }

    private static string LocateAndInstall()
    {
        var root = Artifacts.RepositoryRoot();
        var modules = Path.Combine(root, "tools", "mcp-servers", "node_modules");
        string[] packages = ["server-everything", "server-memory"];
        if (packages.All(p => File.Exists(Path.Combine(modules, "@modelcontextprotocol", p, "dist", "index.js"))))
        {
            return modules;
        }

        var script = Path.Combine(root, "scripts", "install-mcp-servers.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start bash");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? modules
            : throw new InvalidOperationException($"{script} failed with exit {process.ExitCode}: {stderr.Result}");
    }
}
