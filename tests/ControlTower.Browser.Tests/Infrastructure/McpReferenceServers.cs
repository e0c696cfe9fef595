using System.Diagnostics;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>
/// The pinned npm MCP reference servers (tools/mcp-servers, installed by scripts/install-mcp-servers.sh when
/// missing), as the Server tests use them: the scenarios register them through the dashboard as stdio commands.
/// </summary>
internal static class McpReferenceServers
{
    private static readonly Lazy<string> ServersDirectory = new(LocateAndInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>server-everything's entry script: run as <c>node &lt;script&gt; stdio</c>.</summary>
    public static string Everything => Path.Combine(ServersDirectory.Value, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    private static string LocateAndInstall()
    {
        var root = RepositoryRoot();
        var directory = Path.Combine(root, "tools", "mcp-servers");
        var marker = Path.Combine(directory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        if (!File.Exists(marker))
        {
            RunInstallScript(Path.Combine(root, "scripts", "install-mcp-servers.sh"));
        }

        return File.Exists(marker) ? directory : throw new InvalidOperationException($"MCP reference servers are missing after install: {marker}");
    }

    private static void RunInstallScript(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start bash");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with {process.ExitCode}: {stderr.Result}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ControlTower.slnx not found above " + AppContext.BaseDirectory);
    }
}
