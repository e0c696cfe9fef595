using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ControlTower.Bench.Http;

/// <summary>
/// <c>wrk</c> (Debian's package, installed with <c>apt-get</c> when missing and running as root) as the load loop: the same
/// JSON POST on keep-alive connections, one connection per unit of concurrency, <c>--latency</c> for p50/p99.
/// </summary>
internal static partial class WrkLoad
{
    private const string Script = """
        wrk.method = "POST"
        wrk.body = '{"n": 1}'
        wrk.headers["Content-Type"] = "application/json"
        """;

    /// <summary>True when <c>wrk</c> is on the PATH, after trying Debian's package once if it is not.</summary>
    public static async Task<bool> EnsureInstalledAsync()
    {
        if (await RunsAsync("wrk", "--version"))
        {
            return true;
        }

        if (Environment.UserName != "root" || !await RunsAsync("apt-get", "--version"))
        {
            return false;
        }

        Console.Error.WriteLine("wrk is missing: installing Debian's package (apt-get install wrk)...");
        return (await RunsAsync("apt-get", "install", "-y", "-q", "wrk") || (await RunsAsync("apt-get", "update", "-q") && await RunsAsync("apt-get", "install", "-y", "-q", "wrk")))
            && await RunsAsync("wrk", "--version");
    }

    public static async Task<HttpScenarios.Point> RunAsync(Uri url, int concurrency, TimeSpan duration)
    {
        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "-t", Math.Min(concurrency, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                "-c", concurrency.ToString(CultureInfo.InvariantCulture),
                "-d", $"{(int)duration.TotalSeconds}s", "--timeout", "10s", "--latency", "-s", script, url.ToString(),
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var wrk = Process.Start(start)!;
            var output = await wrk.StandardOutput.ReadToEndAsync();
            var errors = await wrk.StandardError.ReadToEndAsync();
            await wrk.WaitForExitAsync();
            return wrk.ExitCode == 0 ? Parse(output, concurrency, duration) : throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}): {errors}{output}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Reads wrk's summary: requests, non-2xx answers and socket errors, the latency distribution's 50 % and 99 % lines.</summary>
    internal static HttpScenarios.Point Parse(string output, int concurrency, TimeSpan duration)
    {
        var requests = int.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var failures = NonSuccess().Match(output) is { Success: true } non ? int.Parse(non.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        failures += SocketErrors().Matches(output).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        var elapsed = Elapsed().Match(output) is { Success: true } e ? Milliseconds(e.Groups[1].Value, e.Groups[2].Value) : duration.TotalMilliseconds;
        return new HttpScenarios.Point("", concurrency, requests, failures, TimeSpan.FromMilliseconds(elapsed), Percentile(output, "50"), Percentile(output, "99"));
    }

    private static double Percentile(string output, string percent) =>
        Regex.Match(output, $@"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline) is { Success: true } m
            ? Milliseconds(m.Groups[1].Value, m.Groups[2].Value)
            : double.NaN;

    private static double Milliseconds(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new FormatException($"Unknown wrk time unit '{unit}'."),
    };

    private static async Task<bool> RunsAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            await process.WaitForExitAsync();
            await drained;
            // wrk --version exits 1 after printing its version.
            return process.ExitCode == 0 || file == "wrk";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex Requests();

    [GeneratedRegex(@"requests in ([\d.]+)(us|ms|s|m),")]
    private static partial Regex Elapsed();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();
}
