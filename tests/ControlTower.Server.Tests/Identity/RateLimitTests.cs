using System.Net;
using System.Net.Http.Json;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Identity;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Authenticate_WhenFailuresWithOneKeyPrefixExceedBudget_Is429WithRetryAfter()
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

        // The budget belongs to that address and that key prefix: the admin's key is not held back.
        using var admin = factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Authenticate_WhenManyBadKeysCameFromTheSameAddress_ValidKeysStillWork()
    {
        using var factory = new ControlTowerFactory();
        var (user, _, _) = await factory.CreateUserClientAsync("nat-neighbour", "operator");
        var badKeys = Enumerable.Range(0, 12).Select(i => $"ct_{new string((char)('a' + i), 12)}_guess{i}")
            .Concat(Enumerable.Range(0, 12).Select(i => $"wrong-admin-key-{i}-0123456789abcdefghijklmnop"))
            .Concat(Enumerable.Repeat("ct_zzzzzzzzzzzz_same-prefix-again", 12));

        var statuses = new List<HttpStatusCode>();
        foreach (var key in badKeys)
        {
            using var bad = factory.CreateClient(key);
            statuses.Add((await bad.GetAsync("/api/me")).StatusCode);
        }

        using var admin = factory.CreateAdminClient();
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Request_WhenUserSpreadsRequestsOverSeveralKeys_SharesOnePerUserLimit()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "6" });
        var (first, _, userId) = await factory.CreateUserClientAsync("many-keys", "operator");
        using var admin = factory.CreateAdminClient();
        var created = await (await admin.PostAsJsonAsync("/api/api-keys", new { name = "second", userId })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<CreatedKeyDto>();
        using var second = factory.CreateClient(created!.Key);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await first.GetAsync("/api/me")).StatusCode);
            statuses.Add((await second.GetAsync("/api/me")).StatusCode);
        }

        var over = await second.GetAsync("/api/me");
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 6), statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Contains("request.rate_limited", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task CreateKey_WhenUserHoldsTheMaximumActiveKeys_Is409UntilOneIsRevoked()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["API_KEYS_MAX_PER_USER"] = "2" });
        var (user, _, _) = await factory.CreateUserClientAsync("key-minter", "operator");

        var second = await user.PostAsJsonAsync("/api/api-keys", new { name = "two" });
        var third = await user.PostAsJsonAsync("/api/api-keys", new { name = "three" });
        var secondKey = await second.Content.ReadFromJsonAsync<CreatedKeyDto>();
        (await user.DeleteAsync($"/api/api-keys/{secondKey!.ApiKey.Id}")).EnsureSuccessStatusCode();
        var afterRevoke = await user.PostAsJsonAsync("/api/api-keys", new { name = "three again" });

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Contains("identity.api_key_limit_reached", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, afterRevoke.StatusCode);
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
