using System.Text.RegularExpressions;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>The dashboard's client-side routes, for <c>Expect(page).ToHaveURLAsync</c> (polled, unlike a wait for a document load).</summary>
internal static partial class DashboardUrls
{
    [GeneratedRegex("/runs/[0-9a-f-]{36}$")]
    public static partial Regex Run();
}
