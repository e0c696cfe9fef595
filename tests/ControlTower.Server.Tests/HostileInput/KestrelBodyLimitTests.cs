using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>
/// Over the real server (Kestrel on loopback): a body streamed without a Content-Length that passes
/// <c>MAX_REQUEST_BODY_BYTES</c> is a 413 <c>request.body_too_large</c>. Kestrel's own read failure used to
/// reach model binding, which reported it as a 400.
/// </summary>
public sealed class KestrelBodyLimitTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("controltower-kestrel-limit-").FullName;
    private ControlTowerServerProcess? _server;

    public async Task InitializeAsync() =>
        _server = await ControlTowerServerProcess.StartAsync(_data, new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "4096" }, TimeSpan.FromSeconds(60));

    public Task DisposeAsync()
    {
        _server?.Dispose();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("/api/users", "application/json")]
    [InlineData("/api/users", "application/problem+json")]
    [InlineData("/api/workflows/6f1c1d51-4a39-4b37-9a44-3f3c27a8e0f1/runs", "application/json")]
    [InlineData("/api/workflows/6f1c1d51-4a39-4b37-9a44-3f3c27a8e0f1/enable", "application/json")]
    [InlineData("/api/runs/6f1c1d51-4a39-4b37-9a44-3f3c27a8e0f1/cancel", "application/json")]
    [InlineData("/hooks/6f1c1d51-4a39-4b37-9a44-3f3c27a8e0f1/hook", "application/json")]
    public async Task Post_WhenChunkedBodyIsOverLimit_Is413(string path, string mediaType)
    {
        var body = Encoding.UTF8.GetBytes("{\"name\": \"" + new string('a', 20_000) + "\", \"role\": \"viewer\"}");
        var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _server!.Client.SendAsync(request);

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.body_too_large");
    }

    [Fact]
    public async Task CreateUser_WhenChunkedBodyIsWithinLimit_IsCreated()
    {
        var content = new StreamContent(new UnknownLengthStream("{\"name\": \"streamed\", \"role\": \"viewer\"}"u8.ToArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _server!.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
