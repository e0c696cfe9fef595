using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Server.Audit;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Audit;

public sealed class AuditApiTests
{
    [Fact]
    public async Task Query_WhenFilteredByActorActionTargetAndTime_ReturnsOnlyMatches()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        (await admin.PostAsJsonAsync("/api/users", new { name = "filtered", role = "viewer" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/api-keys", new { name = "k" })).EnsureSuccessStatusCode();

        var byAction = await admin.GetFromJsonAsync<PageDto>("/api/audit?action=user.created");
        var byTarget = await admin.GetFromJsonAsync<PageDto>("/api/audit?target=user:filtered");
        var byActor = await admin.GetFromJsonAsync<PageDto>("/api/audit?actor=user:admin");
        var byTime = await admin.GetFromJsonAsync<PageDto>($"/api/audit?from={Uri.EscapeDataString(before.ToString("O"))}&action=api_key.created");

        Assert.All(byAction!.Items, e => Assert.Equal("user.created", e.Action));
        Assert.Equal(2, byAction.Items.Count);
        Assert.Equal("a user was added", Assert.Single(byTarget!.Items).Reason);
        Assert.Equal(2, byActor!.Items.Count);
        Assert.Single(byTime!.Items);
    }

    [Fact]
    public async Task Query_WhenMoreThanALimit_PagesWithNextAfter()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        for (var i = 0; i < 4; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"page{i}", role = "viewer" })).EnsureSuccessStatusCode();
        }

        var first = await admin.GetFromJsonAsync<PageDto>("/api/audit?limit=3");
        var second = await admin.GetFromJsonAsync<PageDto>($"/api/audit?limit=3&after={first!.NextAfter}");

        Assert.Equal([1L, 2, 3], first.Items.Select(e => e.Sequence));
        Assert.Equal([4L, 5], second!.Items.Select(e => e.Sequence));
        Assert.Null(second.NextAfter);
    }

    [Fact]
    public async Task Query_WhenNewestFirst_PagesBackwardsWithNextBefore()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        for (var i = 0; i < 4; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"newest{i}", role = "viewer" })).EnsureSuccessStatusCode();
        }

        var first = await admin.GetFromJsonAsync<PageDto>("/api/audit?order=desc&limit=3");
        var second = await admin.GetFromJsonAsync<PageDto>($"/api/audit?order=desc&limit=3&before={first!.NextBefore}");

        Assert.Equal([5L, 4, 3], first.Items.Select(e => e.Sequence));
        Assert.Null(first.NextAfter);
        Assert.Equal([2L, 1], second!.Items.Select(e => e.Sequence));
        Assert.Null(second.NextBefore);
    }

    [Theory]
    [InlineData("/api/audit?order=sideways")]
    [InlineData("/api/audit?order=desc&after=1")]
    [InlineData("/api/audit?before=3")]
    public async Task Query_WhenOrderAndCursorDisagree_Is400WithCode(string url)
    {
        using var factory = new ControlTowerFactory();
        var response = await factory.CreateAdminClient().GetAsync(url);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("audit.query_invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WhenLimitOutOfRange_Is400WithCode()
    {
        using var factory = new ControlTowerFactory();
        var response = await factory.CreateAdminClient().GetAsync("/api/audit?limit=100000");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("audit.query_invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_WhenRequested_StreamsOneJsonLinePerEntry()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/users", new { name = "exported", role = "viewer" })).EnsureSuccessStatusCode();

        var response = await admin.GetAsync("/api/audit/export");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, lines.Length);
        Assert.Equal(2, JsonDocument.Parse(lines[1]).RootElement.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task FileExport_WhenFilesReachMaxSize_RotatesAndResumesWithoutGapsOrRepeats()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["AUDIT_MAX_SIZE_MB"] = "0.001", ["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600" });
        using var admin = factory.CreateAdminClient();
        var exporter = factory.Services.GetRequiredService<AuditFileExporter>();
        var archiver = factory.Services.GetRequiredService<AuditArchiver>();
        for (var i = 0; i < 6; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"rot{i}", role = "viewer" })).EnsureSuccessStatusCode();
        }

        await exporter.ExportPendingAsync(CancellationToken.None);
        var archivedInFirstRound = (await archiver.ListAsync(CancellationToken.None)).Count;
        for (var i = 6; i < 10; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"rot{i}", role = "viewer" })).EnsureSuccessStatusCode();
        }

        var secondRound = await exporter.ExportPendingAsync(CancellationToken.None);

        // Rotated files are archived (gzip, blob store) and deleted; the archives and the newest file hold the whole log once.
        var archived = new List<string>();
        foreach (var archive in await archiver.ListAsync(CancellationToken.None))
        {
            archived.AddRange(Blobs.AuditArchiveTests.Gunzip((await archiver.ReadAsync(archive.Id, CancellationToken.None)).Content).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        var files = Directory.GetFiles(exporter.Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).ToList();
        var sequences = archived.Concat(files.SelectMany(File.ReadAllLines))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("sequence").GetInt64())
            .ToList();

        Assert.True(archivedInFirstRound > 0, "the first round filled more than one file");
        Assert.Equal(4 + archivedInFirstRound, secondRound);
        Assert.Single(files);
        Assert.True(sequences.Count >= 11, $"{sequences.Count} entries exported");
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
    }
}

internal sealed record EntryDto(long Sequence, string Actor, string Action, string Target, string Reason);

internal sealed record PageDto(List<EntryDto> Items, long? NextAfter, long? NextBefore);
