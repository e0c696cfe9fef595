using System.Diagnostics;

namespace ControlTower.Bench.Dashboard;

/// <summary>
/// A copy of this bench's server build (hard links, so it costs no disk) whose <c>wwwroot</c> is the dashboard as it was at a
/// git revision, built here with Vite: the baseline the list pages' first render is compared with. The sources come from
/// <c>git archive</c>; node_modules is the current dashboard's (a revision whose runtime dependencies or Vite differ would
/// need its own install, which the build's failure names).
/// </summary>
internal sealed class BaselineHost : IDisposable
{
    private BaselineHost(string directory) => Directory = directory;

    /// <summary>Where controltower.dll runs from, with the baseline dashboard in its wwwroot.</summary>
    public string Directory { get; }

    public static BaselineHost Create(string revision, string scratch)
    {
        var root = RepositoryRoot();
        var sources = Path.Combine(scratch, "baseline-src");
        System.IO.Directory.CreateDirectory(sources);
        Run("bash", root, "-c", $"git archive '{revision}' src/ControlTower.Web | tar -x -C '{sources}'");
        var web = Path.Combine(sources, "src", "ControlTower.Web");
        System.IO.Directory.CreateSymbolicLink(Path.Combine(web, "node_modules"), Path.Combine(root, "src", "ControlTower.Web", "node_modules"));

        // Beside the bench's own output, so the hard links stay on one file system.
        var build = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var host = new BaselineHost(Path.Combine(Path.GetDirectoryName(build)!, $"dashboard-baseline-{Guid.NewGuid():N}"));
        var built = false;
        try
        {
            Run("cp", root, "-al", build, host.Directory);
            System.IO.Directory.Delete(Path.Combine(host.Directory, "wwwroot"), recursive: true);
            Run("node", web, "node_modules/vite/bin/vite.js", "build", "--logLevel", "warn", "--outDir", Path.Combine(host.Directory, "wwwroot"), "--emptyOutDir");
            built = true;
            return host;
        }
        finally
        {
            if (!built)
            {
                host.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
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

        throw new InvalidOperationException("The bench runs from inside the repository (no ControlTower.slnx above its output).");
    }

    private static void Run(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr}{stdout.Result}");
        }
    }
}
