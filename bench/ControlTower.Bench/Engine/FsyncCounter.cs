using System.Diagnostics;
using System.Globalization;

namespace ControlTower.Bench.Engine;

/// <summary>
/// Counts the fsync/fdatasync calls this process makes while a block runs, by attaching <c>strace -f -c</c>
/// to it (ptrace slows every system call, so counted passes are separate from timed ones). Null when
/// strace is not installed or may not attach.
/// </summary>
internal static class FsyncCounter
{
    public static async Task<long?> CountAsync(Func<Task> body)
    {
        var output = Path.Combine(Path.GetTempPath(), $"ct-fsync-{Guid.NewGuid():N}.txt");
        Process? strace;
        try
        {
            strace = Process.Start(new ProcessStartInfo("strace", ["-f", "-qq", "-c", "-e", "trace=fsync,fdatasync", "-o", output, "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            await body();
            return null;
        }

        using (strace)
        {
            // strace reports on stderr once it has attached to the threads; give it a moment to do so.
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (strace is null || strace.HasExited)
            {
                await body();
                return null;
            }

            await body();
            await Task.Delay(TimeSpan.FromMilliseconds(200)); // the WAL writes of the last commit
            _ = kill(strace.Id, 2); // SIGINT: strace detaches and writes its summary
            await strace.WaitForExitAsync();
        }

        var total = 0L;
        foreach (var line in File.Exists(output) ? await File.ReadAllLinesAsync(output) : [])
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 5 && parts[^1] is "fsync" or "fdatasync")
            {
                total += long.Parse(parts[3], CultureInfo.InvariantCulture);
            }
        }

        File.Delete(output);
        return total;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
