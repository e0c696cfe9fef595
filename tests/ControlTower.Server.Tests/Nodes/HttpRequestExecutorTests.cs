using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Server.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>http.request against a real Kestrel server on loopback; no traffic leaves the machine.</summary>
public sealed class HttpRequestExecutorTests : IAsyncLifetime
{
    private readonly List<ServiceProvider> _providers = [];
    private LocalHttpServer _server = null!;

    public async Task InitializeAsync() => _server = await LocalHttpServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    /// <summary>The executor as DI builds it, with the destination guard replaced (policy and, optionally, the resolver).</summary>
    private HttpRequestExecutor Executor(string? allow = "127.0.0.1", string? deny = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        var services = new ServiceCollection().AddLogging().AddNodeExecutors();
        services.AddSingleton(new HttpDestinationGuard(HttpDestinationPolicy.Parse(allow, deny), resolve ?? Dns.GetHostAddressesAsync, NullLogger.Instance));
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return ActivatorUtilities.CreateInstance<HttpRequestExecutor>(provider);
    }

    private static Task<NodeResult> Run(HttpRequestExecutor executor, string config, JsonObject? activation = null, CancellationToken cancellationToken = default) =>
        executor.ExecuteAsync(For("http.request", config, activation), cancellationToken);

    private static string Config(string url, string extra = "") => $$"""{ "url": "{{url}}"{{(extra.Length > 0 ? ", " + extra : "")}} }""";

    [Fact]
    public async Task ExecuteAsync_WhenPost_SendsRenderedRequestWithIdempotencyKeyAndParsesJson()
    {
        var activation = Activation(Json("""{ "id": 42, "token": "t-1", "q": "a b&c" }"""));
        var context = For("http.request", $$$"""
            { "method": "POST", "url": "{{{_server.Url("/echo")}}}?fixed=1",
              "query": { "search": "{{ input.q }}" },
              "headers": { "Authorization": "Bearer {{ input.token }}", "X-Item": "{{ input.id }}", "Idempotency-Key": "from-config" },
              "body": "{'id': input.id, 'tags': ['x']}" }
            """, activation);

        var result = As<NodeResult.Completed>(await Executor().ExecuteAsync(context, CancellationToken.None));

        Assert.Equal("success", result.Outcome);
        var output = result.Output!.AsObject();
        Assert.Equal(200, output["status"]!.GetValue<int>());
        Assert.StartsWith("application/json", output["headers"]!["content-type"]!.GetValue<string>(), StringComparison.Ordinal);
        var echoed = output["body"]!.AsObject();
        Assert.Equal("POST", echoed["method"]!.GetValue<string>());
        Assert.Equal("?fixed=1&search=a%20b%26c", echoed["query"]!.GetValue<string>());
        Assert.Equal(context.IdempotencyKey, echoed["headers"]!["idempotency-key"]!.GetValue<string>());
        Assert.Equal("Bearer t-1", echoed["headers"]!["authorization"]!.GetValue<string>());
        Assert.Equal("42", echoed["headers"]!["x-item"]!.GetValue<string>());
        Assert.StartsWith("application/json", echoed["headers"]!["content-type"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertJson("""{ "id": 42, "tags": ["x"] }""", JsonNode.Parse(echoed["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ExecuteAsync_WhenNoBody_SendsNoContent()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/echo"))));

        var echoed = result.Output!["body"]!;
        Assert.Equal(("GET", ""), (echoed["method"]!.GetValue<string>(), echoed["body"]!.GetValue<string>()));
        Assert.Null(echoed["headers"]!["content-type"]);
    }

    [Fact]
    public async Task ExecuteAsync_WhenText_OutputsTextBodyDecodedByCharset()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/text"))));

        Assert.Equal("héllo", result.Output!["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/not-json", "{ not json")]
    [InlineData("/empty", null)]
    public async Task ExecuteAsync_WhenJsonIsBrokenOrBodyEmpty_KeepsTextOrNull(string path, string? body)
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url(path))));

        Assert.Equal(body, result.Output!["body"]?.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenProblemJson_ParsesIt()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/problem"))));

        Assert.Equal("x", result.Output!["body"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenRedirect_ReturnsItWithoutFollowing()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/redirect"))));

        Assert.Equal(302, result.Output!["status"]!.GetValue<int>());
        Assert.Equal("/echo", result.Output!["headers"]!["location"]!.GetValue<string>());
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task ExecuteAsync_When5xx_FailsRetryable(int status)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url($"/status/{status}"))));

        Assert.Equal((NodeErrorCodes.HttpStatus5xx, true), (failed.Code, failed.Retryable));
        Assert.Contains($"answered {status}", failed.Message, StringComparison.Ordinal);
        Assert.Contains($"status {status} body", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    public async Task ExecuteAsync_When4xx_FailsStatus4xxRetryableOnlyForTimeoutAndThrottle(int status, bool retryable)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url($"/status/{status}"))));

        Assert.Equal((NodeErrorCodes.HttpStatus4xx, retryable), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenStatusIsExpected_Succeeds()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/status/404"), """ "expectedStatuses": [404, 410] """)));

        Assert.Equal(404, result.Output!["status"]!.GetValue<int>());
        Assert.Equal("status 404 body", result.Output!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenServerTooSlow_FailsTimeoutRetryableAfterTheConfiguredTime()
    {
        var clock = Stopwatch.StartNew();

        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url("/slow"), """ "timeoutSeconds": 1 """)));

        Assert.Equal((NodeErrorCodes.HttpTimeout, true), (failed.Code, failed.Retryable));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExecuteAsync_WhenCallerCancels_PropagatesCancellation()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(Executor(), Config(_server.Url("/slow")), cancellationToken: cancel.Token));
    }

    [Theory]
    [InlineData("/sized/2000", 1999)]
    [InlineData("/streamed/50000", 20000)]
    public async Task ExecuteAsync_WhenResponseLargerThanLimit_FailsTooLargeNotRetryable(string path, int limit)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url(path), $""" "maxResponseBytes": {limit} """)));

        Assert.Equal((NodeErrorCodes.HttpResponseTooLarge, false), (failed.Code, failed.Retryable));
    }

    [Theory]
    [InlineData("/sized/2000")]
    [InlineData("/streamed/2000")]
    public async Task ExecuteAsync_WhenResponseExactlyAtLimit_Succeeds(string path)
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url(path), """ "maxResponseBytes": 2000 """)));

        Assert.Equal(2000, result.Output!["body"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task ExecuteAsync_WhenNothingListens_FailsTransportRetryable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var failed = As<NodeResult.Failed>(await Run(Executor(), Config($"http://127.0.0.1:{port}/")));

        Assert.Equal((NodeErrorCodes.HttpTransportFailed, true), (failed.Code, failed.Retryable));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/echo")]
    [InlineData("http://localhost:{port}/echo")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/echo")]
    public async Task ExecuteAsync_WhenLoopbackNotAllowed_DeniesBeforeConnecting(string url)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(allow: null),
            Config(url.Replace("{port}", _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))));

        Assert.Equal((NodeErrorCodes.HttpDestinationDenied, false), (failed.Code, failed.Retryable));
        Assert.Equal(0, _server.Connections);
    }

    [Theory]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://192.168.1.1:8080/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://0.0.0.0/")]
    public async Task ExecuteAsync_WhenPrivateOrMetadataAddress_DeniesWithoutAnyTraffic(string url)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(url, """ "timeoutSeconds": 30 """)));

        // A connect attempt to an unroutable address would end in http.timeout or http.transport_failed; the check refuses first.
        Assert.Equal((NodeErrorCodes.HttpDestinationDenied, false), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenNameResolvesToLoopbackAndNotAllowed_Denies()
    {
        var resolved = new List<string>();
        var executor = Executor(allow: null, resolve: (host, _) =>
        {
            resolved.Add(host);
            return Task.FromResult(new[] { IPAddress.Loopback });
        });

        var failed = As<NodeResult.Failed>(await Run(executor, Config($"http://rebind.invalid:{_server.Port}/echo")));

        Assert.Equal(NodeErrorCodes.HttpDestinationDenied, failed.Code);
        Assert.Contains("127.0.0.1", failed.Message, StringComparison.Ordinal);
        Assert.Equal(["rebind.invalid"], resolved);
        Assert.Equal(0, _server.Connections);
    }

    [Fact]
    public async Task ExecuteAsync_WhenNameResolvesToAllowedAddress_ConnectsToTheCheckedAddress()
    {
        // ".invalid" never resolves in real DNS: reaching the server proves the socket used the checked address.
        var executor = Executor(allow: "127.0.0.1", resolve: (_, _) => Task.FromResult(new[] { IPAddress.Parse("10.0.0.1"), IPAddress.Loopback }));

        var result = As<NodeResult.Completed>(await Run(executor, Config($"http://pinned.invalid:{_server.Port}/echo")));

        Assert.Equal($"pinned.invalid:{_server.Port}", result.Output!["body"]!["headers"]!["host"]!.GetValue<string>());
        Assert.Equal(1, _server.Connections);
    }

    [Fact]
    public async Task ExecuteAsync_WhenNameDoesNotResolve_FailsTransportRetryable()
    {
        var executor = Executor(resolve: (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));

        var failed = As<NodeResult.Failed>(await Run(executor, Config("http://nowhere.invalid/")));

        Assert.Equal((NodeErrorCodes.HttpTransportFailed, true), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenHostNameAllowed_AllowsItsPrivateAddresses()
    {
        var executor = Executor(allow: "*.corp.invalid", resolve: (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        var result = As<NodeResult.Completed>(await Run(executor, Config($"http://api.corp.invalid:{_server.Port}/echo")));

        Assert.Equal(200, result.Output!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenDenyListMatches_DeniesEvenIfAllowed()
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(allow: "127.0.0.0/8", deny: "127.0.0.1"), Config(_server.Url("/echo"))));

        Assert.Equal(NodeErrorCodes.HttpDestinationDenied, failed.Code);
        Assert.Contains("HTTP_NODE_DENY", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.Connections);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/file")]
    [InlineData("/relative/path")]
    [InlineData("{{ input.missing_url }}")]
    public async Task ExecuteAsync_WhenUrlNotAbsoluteHttp_FailsUrlInvalid(string url)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(url), Activation(Json("""{ "missing_url": "" }"""))));

        Assert.Equal((NodeErrorCodes.HttpUrlInvalid, false), (failed.Code, failed.Retryable));
    }

    [Theory]
    [InlineData("""{ "X-Bad": "a\r\nInjected: yes" }""")]
    [InlineData("""{ "X-Name": "Zoë" }""")]
    [InlineData("""{ "Bad Name": "v" }""")]
    [InlineData("""{ "Content-Type": "text/plain" }""")]
    public async Task ExecuteAsync_WhenHeaderCannotBeSent_FailsHeaderInvalidBeforeSending(string headers)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url("/echo"), $""" "headers": {headers} """)));

        Assert.Equal(NodeErrorCodes.HttpHeaderInvalid, failed.Code);
        Assert.Equal(0, _server.Connections);
    }

    [Fact]
    public async Task ExecuteAsync_WhenContentTypeHeaderWithBody_OverridesTheJsonDefault()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/echo"),
            """ "method": "PUT", "headers": { "Content-Type": "application/vnd.api+json" }, "body": "{'a': 1}" """)));

        Assert.Equal("application/vnd.api+json", result.Output!["body"]!["headers"]!["content-type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(""" "body": "input.nope.x" """, CelErrorCodes.EvalError)]
    [InlineData(""" "method": "TRACE" """, NodeErrorCodes.ConfigInvalid)]
    [InlineData(""" "credentialId": "c1" """, NodeErrorCodes.ConfigInvalid)]
    [InlineData(""" "credentialId": "6f1c2a4e-0d55-4c8e-9a43-2b7f1e9d0c11" """, NodeErrorCodes.CredentialsUnsupported)]
    public async Task ExecuteAsync_WhenConfigUnusable_FailsNotRetryableWithoutSending(string extra, string code)
    {
        var failed = As<NodeResult.Failed>(await Run(Executor(), Config(_server.Url("/echo"), extra), Activation(Json("{}"))));

        Assert.Equal((code, false), (failed.Code, failed.Retryable));
        Assert.Equal(0, _server.Connections);
    }

    [Fact]
    public async Task ExecuteAsync_WhenHead_ReturnsStatusAndHeadersWithoutBody()
    {
        var result = As<NodeResult.Completed>(await Run(Executor(), Config(_server.Url("/text"), """ "method": "HEAD" """)));

        Assert.Equal(200, result.Output!["status"]!.GetValue<int>());
        Assert.Null(result.Output!["body"]);
    }

    [Fact]
    public async Task AddNodeExecutors_BindsAllowListFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["HTTP_NODE_ALLOW"] = "10.9.9.9, 127.0.0.1/32" }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddNodeExecutors();
        await using var provider = services.BuildServiceProvider();
        var executor = ActivatorUtilities.CreateInstance<HttpRequestExecutor>(provider);

        var result = await Run(executor, Config(_server.Url("/echo")));

        Assert.IsType<NodeResult.Completed>(result);
    }

    [Fact]
    public async Task AddNodeExecutors_WithoutAllowList_DeniesLoopback()
    {
        await using var provider = new ServiceCollection().AddLogging().AddNodeExecutors().BuildServiceProvider();
        var executor = ActivatorUtilities.CreateInstance<HttpRequestExecutor>(provider);

        var failed = As<NodeResult.Failed>(await Run(executor, Config(_server.Url("/echo"))));

        Assert.Equal(NodeErrorCodes.HttpDestinationDenied, failed.Code);
        Assert.Equal(0, _server.Connections);
    }
}
