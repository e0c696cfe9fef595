using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>
/// Malformed text inside JSON is refused once at the boundary with a 400 naming the position, on every route
/// including the anonymous webhook, instead of binding lazily and failing as a 500 inside a handler.
/// </summary>
public sealed class JsonBoundaryTests : IClassFixture<JsonBoundaryTests.App>
{
    private readonly App _app;

    public JsonBoundaryTests(App app) => _app = app;

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["MAX_REQUEST_BODY_BYTES"] = "65536",
            ["ENGINE_WORKER"] = "false",
        });

        public void Dispose() => Factory.Dispose();
    }

    public static TheoryData<string, string> MalformedGraphs => new()
    {
        { "{\"graph\": {\"version\": \"1.0\", \"a\": 1, \"a\": 2}}", "duplicate" },
        { "{\"graph\": {\"version\": \"1.0\", \"nodes\": [{\"id\": \"n\", \"id\": \"m\"}]}}", "duplicate nested" },
        { "{\"graph\": {\"version\": \"1.0\", \"note\": \"\\ud800\"}}", "lone high surrogate" },
        { "{\"graph\": {\"version\": \"1.0\", \"\\udc00\": 1}}", "lone low surrogate in a name" },
        { "{\"graph\": {\"version\": \"1.0\", \"note\": \"\\udc00\\ud800\"}}", "reversed pair" },
    };

    [Theory]
    [MemberData(nameof(MalformedGraphs))]
    public async Task ValidateGraph_WhenObjectFieldIsMalformed_Is400MalformedJsonWithPosition(string body, string kind)
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsync("/api/workflows/validate", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
        Assert.True(problem.GetProperty("line").GetInt32() >= 1, kind);
        Assert.True(problem.GetProperty("column").GetInt32() > 1, kind);
    }

    [Fact]
    public async Task CreateWorkflow_WhenDuplicateKeyInGraph_Is400AndNothingIsCreated()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var before = (await admin.GetFromJsonAsync<JsonArray>("/api/workflows"))!.Count;
        var body = "{\"name\": \"dup\", \"graph\": {\"version\": \"1.0\", \"nodes\": [], \"edges\": [], \"config\": {\"x\": 1, \"x\": 2}}}";

        var response = await admin.PostAsync("/api/workflows", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
        Assert.Equal(1, problem.GetProperty("line").GetInt32());
        Assert.Equal(body.LastIndexOf("\"x\"", StringComparison.Ordinal) + 1, problem.GetProperty("column").GetInt32());
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonArray>("/api/workflows"))!.Count);
    }

    [Fact]
    public async Task Webhook_WhenBodyHasDuplicateKey_Is400MalformedJsonWithoutAKey()
    {
        var hook = await CreateHookAsync();
        using var anonymous = _app.Factory.CreateClient(apiKey: null);

        var response = await anonymous.PostAsync(hook, new StringContent("{\"a\":1,\"a\":2}", Encoding.UTF8, "application/json"));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
        Assert.Equal(8, problem.GetProperty("column").GetInt32());
    }

    [Theory]
    [InlineData("{\"a\": \"\\ud800\"}")]
    [InlineData("{\"a\": {\"b\": [1, {\"c\": 1, \"c\": 1}]}}")]
    public async Task Webhook_WhenBodyIsMalformedText_Is400MalformedJson(string body)
    {
        var hook = await CreateHookAsync();
        using var anonymous = _app.Factory.CreateClient(apiKey: null);

        var response = await anonymous.PostAsync(hook, new StringContent(body, Encoding.UTF8, "application/json"));

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
    }

    [Fact]
    public async Task Webhook_WhenBodyIsInvalidUtf8_Is400MalformedJsonAtTheByte()
    {
        var hook = await CreateHookAsync();
        using var anonymous = _app.Factory.CreateClient(apiKey: null);
        byte[] body = [.. "{\"a\": \"x"u8, 0xC3, 0x28, .. "\"}"u8];

        var response = await anonymous.PostAsync(hook, Json(body));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
        Assert.Equal(8, problem.GetProperty("position").GetInt32());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    public async Task CreateUser_WhenNameHasInvalidUtf8_Is400MalformedJson(byte[] bad)
    {
        using var admin = _app.Factory.CreateAdminClient();
        byte[] body = [.. "{\"name\": \"u"u8, .. bad, .. "\", \"role\": \"viewer\"}"u8];

        var response = await admin.PostAsync("/api/users", Json(body));

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
    }

    [Fact]
    public async Task CreateUser_WhenNameHasNul_Is400InvalidCharacter()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsync("/api/users", new StringContent("{\"name\": \"nul\\u0000user\", \"role\": \"viewer\"}", Encoding.UTF8, "application/json"));

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.invalid_character");
    }

    [Fact]
    public async Task CreateWorkflow_WhenDescriptionHasNul_Is400InvalidCharacter()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/workflows", new { name = "nul", description = "a\0b", graph = MinimalGraph() });

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.invalid_character");
    }

    [Theory]
    [InlineData("name", 201)]
    [InlineData("description", 4001)]
    [InlineData("message", 4001)]
    public async Task CreateWorkflow_WhenFreeTextIsOverLimit_Is400TextTooLongNamingTheField(string field, int length)
    {
        using var admin = _app.Factory.CreateAdminClient();
        var body = new JsonObject { ["name"] = "long text", ["graph"] = MinimalGraph(), [field] = new string('x', length) };

        var response = await admin.PostAsJsonAsync("/api/workflows", body);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.text_too_long");
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task CreateWorkflow_WhenFreeTextIsAtLimit_IsCreated()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/workflows", new { name = new string('n', 200), description = new string('d', 4000), graph = MinimalGraph() });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Approve_WhenCommentIsOverLimit_Is400TextTooLong()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync($"/api/approvals/{Guid.NewGuid()}/comments", new { text = new string('c', 4001) });

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.text_too_long");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"expression\": null}")]
    [InlineData("{\"template\": true}")]
    public async Task ValidateExpression_WhenExpressionIsMissing_Is400MalformedJson(string body)
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsync("/api/expressions/validate", new StringContent(body, Encoding.UTF8, "application/json"));

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.malformed_json");
    }

    [Fact]
    public async Task CreateUser_WhenChunkedBodyIsOverLimit_Is413()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var body = Encoding.UTF8.GetBytes("{\"name\": \"" + new string('a', 70_000) + "\", \"role\": \"viewer\"}");

        var response = await admin.PostAsync("/api/users", Chunked(body, "application/json"));

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.body_too_large");
    }

    [Fact]
    public async Task StartRun_WhenChunkedBodyWithoutJsonTypeIsOverLimit_Is413()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsync($"/api/workflows/{Guid.NewGuid()}/runs", Chunked(new byte[70_000], "application/octet-stream"));

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.body_too_large");
    }

    [Fact]
    public async Task CreateUser_WhenChunkedBodyIsWithinLimit_IsCreated()
    {
        using var admin = _app.Factory.CreateAdminClient();

        var response = await admin.PostAsync("/api/users", Chunked("{\"name\": \"chunked\", \"role\": \"viewer\"}"u8.ToArray(), "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A body streamed without a Content-Length, as <c>Transfer-Encoding: chunked</c> sends it.</summary>
    private static StreamContent Chunked(byte[] body, string mediaType)
    {
        var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static JsonObject MinimalGraph() =>
        Graph([Node("start", "trigger.manual")], []);

    private async Task<string> CreateHookAsync()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("hook", "trigger.webhook", new JsonObject { ["respondMode"] = "immediately" })], []), "hostile hook");
        return $"/hooks/{workflow}/hook";
    }

    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
