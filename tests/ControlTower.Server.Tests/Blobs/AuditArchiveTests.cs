using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Audit;
using ControlTower.Server.Audit;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Blobs;

/// <summary>
/// Audit export files archived to the blob store when they rotate, on both backends: each archive downloads (gzip) to
/// exactly the lines the export wrote for its stretch of the chain, verifies from its previous hash to its last hash,
/// is audited, and its blob outlives every retention pass. The local file is deleted once archived.
/// </summary>
public sealed class AuditArchiveTests
{
    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task Rotation_ArchivesTheFullFile_AsExactlyItsLinesVerifiedAgainstTheChain(string backend)
    {
        await using var bucket = backend == "s3" ? await S3Bucket.CreateAsync() : null;
        var settings = bucket?.Settings ?? [];
        settings["AUDIT_MAX_SIZE_MB"] = "0.001";
        settings["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600";
        settings["RETENTION_PRUNE"] = "false";
        using var factory = new ControlTowerFactory(settings);
        using var admin = factory.CreateAdminClient();
        var (viewer, _, _) = await factory.CreateUserClientAsync("archive.viewer", "viewer");
        var exporter = factory.Services.GetRequiredService<AuditFileExporter>();
        for (var i = 0; i < 8; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"arch{i}", role = "viewer" })).EnsureSuccessStatusCode();
            await exporter.ExportPendingAsync(CancellationToken.None);
        }

        var archives = (await viewer.GetFromJsonAsync<JsonArray>("/api/audit/archives"))!;
        Assert.True(archives.Count >= 2, archives.ToJsonString());
        var exported = await ExportedLinesAsync(admin);
        var previous = AuditChain.GenesisHash;
        var next = 1L;
        foreach (var archive in archives.Select(a => a!.AsObject()))
        {
            var (first, last) = (archive["firstSequence"]!.GetValue<long>(), archive["lastSequence"]!.GetValue<long>());
            Assert.Equal(next, first);
            Assert.Equal(previous, archive["previousHash"]!.GetValue<string>());

            using var download = await viewer.GetAsync($"/api/audit/archives/{archive["id"]}");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/gzip", download.Content.Headers.ContentType?.MediaType);
            var gzip = await download.Content.ReadAsByteArrayAsync();
            Assert.Equal(archive["size"]!.GetValue<long>(), gzip.LongLength);
            Assert.Equal(archive["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(gzip)));
            Assert.True(await TrustModelBlobTests.BlobExistsAsync(factory, bucket, archive["sha256"]!.GetValue<string>()));

            // Exactly the lines the export wrote for that stretch, and they verify against the chain.
            var text = Gunzip(gzip);
            Assert.Equal(archive["contentLength"]!.GetValue<long>(), Encoding.UTF8.GetByteCount(text));
            Assert.Equal(string.Concat(exported.Where(l => l.Sequence >= first && l.Sequence <= last).Select(l => l.Line + "\n")), text);
            var entries = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Chained).ToList();
            var verification = AuditChain.Verify(entries, previous, first);
            Assert.True(verification.Intact, verification.FirstBreak?.Detail);
            Assert.Equal(archive["lastHash"]!.GetValue<string>(), verification.HeadHash);
            Assert.Equal(last - first + 1, archive["entries"]!.GetValue<long>());
            (previous, next) = (verification.HeadHash, last + 1);
        }

        // Archived files are gone from disk; what is left there continues the chain right after the last archive.
        var local = Directory.GetFiles(exporter.Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).ToList();
        Assert.Single(local);
        var rest = File.ReadAllLines(local[0]);
        var restLast = JsonDocument.Parse(rest[^1]).RootElement.GetProperty("sequence").GetInt64();
        Assert.Equal(exported.Where(l => l.Sequence >= next && l.Sequence <= restLast).Select(l => l.Line), rest);

        // Only the last pass's own audit.archived entries come after the last export.
        Assert.All(exported.Where(l => l.Sequence > restLast), l => Assert.Contains("\"audit.archived\"", l.Line, StringComparison.Ordinal));

        var audited = await AuditAsync(admin, "audit.archived");
        Assert.Equal(archives.Select(a => a!["sha256"]!.GetValue<string>()).Order(), audited.Select(e => e["data"]!["sha256"]!.GetValue<string>()).Order());
        Assert.True((await admin.GetFromJsonAsync<JsonObject>("/api/audit/verify"))!["intact"]!.GetValue<bool>());

        // Retention never prunes an archive's blob, however long ago it was referenced.
        await TrustModelBlobTests.BackdateBlobsAsync(factory);
        await TrustModelBlobTests.PruneAsync(factory);
        foreach (var archive in archives)
        {
            using var again = await viewer.GetAsync($"/api/audit/archives/{archive!["id"]}");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using var unknown = await viewer.GetAsync($"/api/audit/archives/{Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.NotFound, "audit.archive_not_found"), (unknown.StatusCode, await CodeAsync(unknown)));
    }

    [Fact]
    public async Task Rotation_WhenTheLocalFileWasEdited_KeepsItAndArchivesNothing()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["AUDIT_MAX_SIZE_MB"] = "0.001",
            ["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600",
        });
        using var admin = factory.CreateAdminClient();
        var exporter = factory.Services.GetRequiredService<AuditFileExporter>();
        for (var i = 0; i < 2; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"edit{i}", role = "viewer" })).EnsureSuccessStatusCode();
        }

        await exporter.ExportPendingAsync(CancellationToken.None);
        var first = Directory.GetFiles(exporter.Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).First();
        await File.WriteAllTextAsync(first, (await File.ReadAllTextAsync(first)).Replace("edit0", "edit9", StringComparison.Ordinal));
        for (var i = 2; i < 6; i++)
        {
            (await admin.PostAsJsonAsync("/api/users", new { name = $"edit{i}", role = "viewer" })).EnsureSuccessStatusCode();
            await exporter.ExportPendingAsync(CancellationToken.None);
        }

        var archives = (await admin.GetFromJsonAsync<JsonArray>("/api/audit/archives"))!;
        Assert.True(File.Exists(first));
        Assert.DoesNotContain(archives, a => a!["fileName"]!.GetValue<string>() == Path.GetFileName(first));
    }

    private static async Task<List<(long Sequence, string Line)>> ExportedLinesAsync(HttpClient admin) =>
        [.. (await admin.GetStringAsync("/api/audit/export")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (JsonDocument.Parse(line).RootElement.GetProperty("sequence").GetInt64(), line))];

    private static ChainedAuditEntry Chained(string line)
    {
        var e = JsonNode.Parse(line)!;
        var content = new AuditContent(e["sequence"]!.GetValue<long>(), e["timestamp"]!.GetValue<DateTimeOffset>(), e["actor"]!.GetValue<string>(),
            e["action"]!.GetValue<string>(), e["target"]!.GetValue<string>(), e["reason"]!.GetValue<string>(), e["data"]?.AsObject());
        return new ChainedAuditEntry(content, e["previousHash"]!.GetValue<string>(), e["hash"]!.GetValue<string>());
    }

    internal static string Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
