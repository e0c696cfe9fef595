using System.Net.Http.Json;
using Microsoft.Playwright;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>
/// One server and one headless Chromium (Debian's, at <c>/usr/bin/chromium</c>) shared by the browser
/// scenarios. Playwright drives it through the driver bundled in its package; no browser is downloaded.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private ServerProcess? server;
    private IPlaywright? playwright;
    private string? profile;

    public IBrowserContext Context { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    internal Uri BaseAddress => server!.BaseAddress;

    internal string ServerOutput => server?.Output ?? "";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is missing at {ChromiumPath}: install Debian's package with 'apt-get install chromium' (test.sh does it when run as root).");
        }

        server = await ServerProcess.StartAsync();
        Api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        playwright = await Playwright.CreateAsync();
        profile = Directory.CreateTempSubdirectory("controltower-chromium-").FullName;
        Context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            ColorScheme = ColorScheme.Light,
        });
        Context.SetDefaultTimeout(20_000);
    }

    public async Task DisposeAsync()
    {
        if (Context is not null)
        {
            await Context.CloseAsync();
        }

        playwright?.Dispose();
        Api?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        if (profile is not null)
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still be flushing its profile; the temp folder is cleaned by the OS.
            }
        }
    }

    /// <summary>The graph of the demo's "Prescription refill" workflow, for scenarios that work on a copy of it.</summary>
    internal async Task<System.Text.Json.Nodes.JsonNode> RefillGraphAsync()
    {
        var list = await Api.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/workflows?limit=200");
        var items = (list as System.Text.Json.Nodes.JsonArray) ?? list!["items"]!.AsArray();
        var refill = items.First(w => (string?)w!["name"] == "Prescription refill")!;
        var detail = await Api.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/workflows/{refill["id"]}");
        return detail!["graph"]!;
    }

    /// <summary>Creates a workflow over the API (for data the scenario is not about).</summary>
    internal async Task<string> CreateWorkflowAsync(string name, object graph)
    {
        using var response = await Api.PostAsJsonAsync("/api/workflows", new { name, graph });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("workflow").GetProperty("id").GetString()!;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
