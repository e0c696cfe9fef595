using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.NodeSwitches;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Blobs;

/// <summary>
/// Large payloads through the real engine on both storage backends (a local folder, and a bucket on the s3rver test.sh
/// starts): a run input, a node output and a webhook body above <c>BLOB_THRESHOLD_BYTES</c> are stored once, by content
/// hash, the rows keep only the reference, and expressions downstream (<c>input.x</c>, <c>nodes.n.output.x</c>) read them.
/// </summary>
public sealed class BlobStoreTests
{
    private const int Threshold = 1024;

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task LargePayloads_WhenARunPassesThem_AreStoredByReferenceAndReadBackInExpressions(string backend)
    {
        await using var bucket = backend == "s3" ? await S3Bucket.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings(bucket));
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("start", "trigger.manual"),
                Node("big", "transform", new() { ["expression"] = "{'text': input.text + input.text, 'tag': input.tag}" }),
                Node("read", "transform", new() { ["expression"] = "{'tag': nodes.big.output.tag, 'length': size(nodes.big.output.text), 'inputLength': size(input.text)}" }),
            ],
            [Edge("start", "big"), Edge("big", "read")]));
        var text = LargeText(4000);

        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["text"] = text, ["tag"] = "rx-77" }), "completed", "failed");

        Assert.True(run.Status() == "completed", run.ToJsonString());
        var read = run.NodeOf("read")["output"]!;
        Assert.Equal("rx-77", read["tag"]!.GetValue<string>());
        Assert.Equal(8000, read["length"]!.GetValue<int>());
        Assert.Equal(4000, read["inputLength"]!.GetValue<int>());

        var input = Reference(run["input"]);
        var output = Reference(run.NodeOf("big")["output"]);
        Assert.True(input["size"]!.GetValue<long>() > 4000);
        Assert.True(output["size"]!.GetValue<long>() > 8000);

        // Loaded on demand, by the run that refers to it.
        var loaded = JsonNode.Parse(await admin.GetStringAsync($"/api/runs/{run["id"]}/blobs/{output["sha256"]}"))!;
        Assert.Equal(text + text, loaded["text"]!.GetValue<string>());
        await AssertBlobNotFoundAsync(admin, $"/api/runs/{Guid.NewGuid()}/blobs/{output["sha256"]}");
        await AssertBlobNotFoundAsync(admin, $"/api/runs/{run["id"]}/blobs/..%2F..%2Fcontrowtower.db");

        // The rows hold references only; the bytes are in the backend, under their hash.
        Assert.Equal(0, await RowsContainingAsync(factory.SqliteFile, text[..200]));
        foreach (var sha in new[] { input["sha256"]!.GetValue<string>(), output["sha256"]!.GetValue<string>() })
        {
            var relative = $"{sha[..2]}/{sha[2..4]}/{sha}";
            if (bucket is null)
            {
                Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "blobs", relative)), relative);
            }
            else
            {
                Assert.Contains($"blobs/{relative}", await bucket.KeysAsync());
            }
        }
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task WebhookBody_WhenLarge_IsStoredByReferenceAndTheRespondNodeAnswersWithIt(string backend)
    {
        await using var bucket = backend == "s3" ? await S3Bucket.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings(bucket));
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("hook", "trigger.webhook", new() { ["respondMode"] = "respond_node" }),
                Node("reply", "respond", new() { ["status"] = 200, ["body"] = "{'echo': input.body.text, 'n': size(input.body.text)}" }),
            ],
            [Edge("hook", "reply")]));
        var text = LargeText(3000);
        using var client = factory.CreateClient();

        using var response = await client.PostAsync($"/hooks/{workflow}/hook",
            new StringContent(new JsonObject { ["text"] = text }.ToJsonString(), Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var reply = JsonNode.Parse(body)!;
        Assert.Equal(text, reply["echo"]!.GetValue<string>());
        Assert.Equal(3000, reply["n"]!.GetValue<int>());
        var runs = (await admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}"))!["items"]!.AsArray();
        var run = await GetRunAsync(admin, runs.Single()!["id"]!.GetValue<Guid>());
        Reference(run["input"]);
        Reference(run.NodeOf("reply")["output"]);
    }

    [Fact]
    public async Task ChildOutput_WhenLarge_IsAlsoTheParentsBlob()
    {
        using var factory = new ControlTowerFactory(Settings(null));
        using var admin = factory.CreateAdminClient();
        var child = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("reply", "respond", new() { ["body"] = "{'echo': input.text}" })],
            [Edge("start", "reply")]), "child");
        var parent = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("call", "subworkflow", new() { ["workflowId"] = child.ToString() })],
            [Edge("start", "call")]), "parent");

        var run = await WaitForStatusAsync(admin, await StartAsync(admin, parent, new JsonObject { ["text"] = LargeText(3000) }), "completed", "failed");

        Assert.True(run.Status() == "completed", run.ToJsonString());
        var sha = Reference(run.NodeOf("call")["output"])["sha256"]!.GetValue<string>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        var owners = await db.Set<RunBlobEntity>().Where(b => b.Sha256 == sha).Select(b => b.RunId).ToListAsync();
        Assert.Contains(run["id"]!.GetValue<Guid>(), owners);
        Assert.Equal(2, owners.Count);
        using var loaded = await admin.GetAsync($"/api/runs/{run["id"]}/blobs/{sha}");
        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
    }

    [Fact]
    public async Task Start_WhenTheS3StoreIsUnreachable_Is503WithTheStoresCode()
    {
        var settings = Settings(null);
        settings["STORAGE_BACKEND"] = "s3";
        settings["S3_BUCKET"] = "unreachable";
        settings["S3_ENDPOINT"] = "http://127.0.0.1:1";
        settings["S3_ACCESS_KEY_ID"] = S3Bucket.AccessKey;
        settings["S3_SECRET_ACCESS_KEY"] = S3Bucket.SecretKey;
        using var factory = new ControlTowerFactory(settings);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual")], []));

        using var response = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { text = LargeText(2000) } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("blob.store_unavailable", body, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Bucket.SecretKey, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenS3HasNoBucket_RefusesNamingTheSettingWithoutAStackTrace()
    {
        var data = Directory.CreateTempSubdirectory("controltower-blob-start-").FullName;
        try
        {
            var result = await ControlTowerProcess.RunAsync(["serve"], new()
            {
                ["ENVIRONMENT"] = "development",
                ["DATA_DIR"] = data,
                ["URLS"] = "http://127.0.0.1:0",
                ["STORAGE_BACKEND"] = "s3",
            });

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("refuses to start", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("S3_BUCKET", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static Dictionary<string, string?> Settings(S3Bucket? bucket)
    {
        var settings = bucket?.Settings ?? new Dictionary<string, string?>();
        settings["BLOB_THRESHOLD_BYTES"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["ENGINE_POLL_MILLISECONDS"] = "50";
        settings["RETENTION_PRUNE"] = "false";
        return settings;
    }

    /// <summary>Text no other test shares, so its hash is this test's alone.</summary>
    private static string LargeText(int length)
    {
        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            builder.Append(Guid.NewGuid().ToString("N"));
        }

        return builder.ToString(0, length);
    }

    private static JsonObject Reference(JsonNode? value)
    {
        var reference = value?["$blob"] as JsonObject;
        Assert.True(reference is not null, $"expected a blob reference, got {value?.ToJsonString()}");
        Assert.Equal("application/json", reference["mediaType"]!.GetValue<string>());
        Assert.Equal(64, reference["sha256"]!.GetValue<string>().Length);
        return reference;
    }

    private static async Task AssertBlobNotFoundAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("blob.not_found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Rows of the run tables whose JSON contains the text.</summary>
    private static async Task<long> RowsContainingAsync(string sqliteFile, string text)
    {
        await using var connection = new SqliteConnection($"Data Source={sqliteFile};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM runs WHERE instr(State, $t) > 0 OR instr(coalesce(Input, ''), $t) > 0 OR instr(coalesce(Output, ''), $t) > 0)
                 + (SELECT COUNT(*) FROM run_events WHERE instr(Data, $t) > 0)
                 + (SELECT COUNT(*) FROM node_executions WHERE instr(coalesce(Input, ''), $t) > 0 OR instr(coalesce(Output, ''), $t) > 0)
            """;
        command.Parameters.AddWithValue("$t", text);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
