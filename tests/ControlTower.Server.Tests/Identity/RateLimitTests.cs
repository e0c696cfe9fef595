using System.Net;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Identity;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Authenticate_WhenFailuresExceedBudget_Is429WithRetryAfter()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["RATE_LIMIT_AUTH_FAILURES"] = "3" });
        using var bad = factory.CreateClient("ct_abcdefghijkm_guessing");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/api/me")).StatusCode);
        }

        var limited = await bad.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
        Assert.Contains("auth.too_many_failures", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Even a valid key is held back from that client until the window passes.
        using var admin = factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await admin.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Request_WhenKeyExceedsPerMinuteLimit_Is429WithRetryAfter()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "5" });
        using var admin = factory.CreateAdminClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last = await admin.GetAsync("/api/me");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), statuses.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
        Assert.Contains("request.rate_limited", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health/ready")).StatusCode);
    }
}
