using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>Screenshots land in test-artifacts/ at the repository root (or CT_TEST_ARTIFACTS).</summary>
internal static class Artifacts
{
    public static string Directory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("CT_TEST_ARTIFACTS");
            var root = configured ?? Path.Combine(RepositoryRoot(), "test-artifacts");
            System.IO.Directory.CreateDirectory(root);
            return root;
        }
    }

    public static async Task<string> ScreenshotAsync(IPage page, string name, ITestOutputHelper output)
    {
        var path = Path.Combine(Directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
        return path;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
