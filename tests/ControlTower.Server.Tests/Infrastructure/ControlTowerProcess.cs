using System.Diagnostics;

namespace ControlTower.Server.Tests.Infrastructure;

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs the real <c>controltower</c> executable (the built server) as a child process.</summary>
internal static class ControlTowerProcess
{
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "controltower.dll");

    public static async Task<ProcessResult> RunAsync(IEnumerable<string> arguments, Dictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"controltower {string.Join(' ', arguments)} did not exit in time.");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }
}
