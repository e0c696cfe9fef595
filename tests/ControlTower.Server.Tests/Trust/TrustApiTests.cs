using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Trust;

/// <summary>The trust API over HTTP: events from other systems, scopes and their history, resolve-mode, pins, errors.</summary>
public sealed class TrustApiTests
{
    private static readonly object Scope = new { tenant = "t1", site = "s1", queue = "refill", actionType = "pharmacy.dispense", role = "pharmacist" };
    private const string Key = "t1%7Cs1%7Crefill%7Cpharmacy.dispense%7Cpharmacist";

    private static async Task<HttpResponseMessage> PostEventAsync(HttpClient client, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/trust/events") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task PostEvents_WhenAnExternalSystemReportsAProposalsLife_ScoresItAndCountsItInTheScopesMetrics()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();

        var proposal = await PostEventAsync(admin, new { kind = "proposal", proposalId = "ext-1", scope = Scope, context = new { quantity = 30, controlled = false } }, "ext-1:proposal");
        Assert.Equal(HttpStatusCode.Created, proposal.StatusCode);
        var recorded = (await proposal.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("observe", "person"), (recorded["resolution"]!["stage"]!.GetValue<string>(), recorded["resolution"]!["mode"]!.GetValue<string>()));
        Assert.True(recorded["resolution"]!["predictions"]!["approval"]!["coldStart"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.Created, (await PostEventAsync(admin,
            new { kind = "decision", proposalId = "ext-1", scope = Scope, result = "approved", actor = "pat", latencySeconds = 42 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostEventAsync(admin,
            new { kind = "execution", proposalId = "ext-1", scope = Scope, result = "succeeded", mode = "person", durationMs = 120 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostEventAsync(admin, new { kind = "outcome", proposalId = "ext-1", scope = Scope, result = "failed" })).StatusCode);

        // The same key again is the same event; a different event under it is a conflict.
        var repeated = await PostEventAsync(admin, new { kind = "proposal", proposalId = "ext-1", scope = Scope, context = new { quantity = 30 } }, "ext-1:proposal");
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var clash = await PostEventAsync(admin, new { kind = "decision", proposalId = "ext-1", scope = Scope, result = "rejected" }, "ext-1:proposal");
        Assert.Equal((HttpStatusCode.Conflict, "trust.event_conflict"), (clash.StatusCode, await CodeAsync(clash)));

        var scopes = (await admin.GetFromJsonAsync<JsonArray>("/api/trust/scopes"))!;
        var scope = Assert.Single(scopes)!;
        Assert.Equal("t1|s1|refill|pharmacy.dispense|pharmacist", scope["key"]!.GetValue<string>());
        var metrics = scope["metrics"]!;
        Assert.Equal((1, 1), (metrics["reliability"]!["hits"]!.GetValue<int>(), metrics["reliability"]!["trials"]!.GetValue<int>()));
        Assert.Equal((0, 1), (metrics["alignment"]!["hits"]!.GetValue<int>(), metrics["alignment"]!["trials"]!.GetValue<int>()));
        Assert.Equal(42, metrics["medianDecisionSeconds"]!.GetValue<double>());
        Assert.Equal(1, metrics["calibrationSample"]!.GetValue<int>());
        Assert.NotNull(scope["thresholds"]!["guarded_auto"]);

        var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/trust/scopes/{Key}"))!;
        Assert.Equal(4, detail["events"]!.AsArray().Count);
        Assert.NotEmpty(detail["series"]!.AsArray());
        Assert.Empty(detail["changes"]!.AsArray());
    }

    [Fact]
    public async Task ResolveMode_WhenPinnedAndTheGateAuthorizes_SaysWhatWouldHappenAndWhyWithoutRecording()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        (await admin.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { stage = "full_auto", reason = "pilot" })).EnsureSuccessStatusCode();

        var capped = (await (await admin.PostAsJsonAsync("/api/trust/resolve-mode",
            new { scope = Scope, context = new { quantity = 30 }, reversible = true })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("propose", false), (capped["effectiveStage"]!.GetValue<string>(), capped["runsWithoutWaiting"]!.GetValue<bool>()));
        Assert.False(capped["gate"]!["authorized"]!.GetValue<bool>());

        (await admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = "pharmacy.dispense", authorized = true, reason = "pilot" })).EnsureSuccessStatusCode();
        var auto = (await (await admin.PostAsJsonAsync("/api/trust/resolve-mode", new { scope = Scope, context = new { quantity = 30 } })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("full_auto", true, "full_auto"), (auto["effectiveStage"]!.GetValue<string>(), auto["runsWithoutWaiting"]!.GetValue<bool>(), auto["mode"]!.GetValue<string>()));

        (await admin.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "drill" })).EnsureSuccessStatusCode();
        var blocked = (await (await admin.PostAsJsonAsync("/api/trust/resolve-mode", new { scope = Scope })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("blocked", false), (blocked["mode"]!.GetValue<string>(), blocked["runsWithoutWaiting"]!.GetValue<bool>()));

        var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/trust/scopes/{Key}"))!;
        Assert.Empty(detail["events"]!.AsArray());
        Assert.Equal("full_auto", detail["scope"]!["pin"]!["stage"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"kind":"vote","proposalId":"p","scope":{"actionType":"a"}}""", "trust.event_invalid")]
    [InlineData("""{"kind":"decision","proposalId":"p","scope":{"actionType":"a"},"result":"maybe"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"rollback","proposalId":"p","scope":{"actionType":"a"},"result":"succeeded"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"decision","scope":{"actionType":"a"},"result":"approved"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"decision","proposalId":"p","scope":{"tenant":"t"},"result":"approved"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"decision","proposalId":"p","scope":{"actionType":"a|b"},"result":"approved"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"decision","proposalId":"p","scope":{"actionType":"a"},"result":"approved","latencySeconds":-1}""", "trust.event_invalid")]
    [InlineData("""{"kind":"execution","proposalId":"p","scope":{"actionType":"a"},"result":"failed","mode":"sometimes"}""", "trust.event_invalid")]
    [InlineData("""{"kind":"outcome","proposalId":"p","scope":{"actionType":"a"},"result":"failed","at":"2999-01-01T00:00:00Z"}""", "trust.event_invalid")]
    public async Task PostEvents_WhenMalformed_IsProblemDetailsWithTheCode(string body, string code)
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var response = await admin.PostAsync("/api/trust/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal((HttpStatusCode.BadRequest, code), (response.StatusCode, await CodeAsync(response)));
    }

    [Fact]
    public async Task Scopes_WhenKeyIsBadOrUnknownOrPinIsInvalid_AnswerWithTheirCodes()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (viewer, _, _) = await factory.CreateUserClientAsync("val.viewer", "viewer");

        var bad = await admin.GetAsync("/api/trust/scopes/not-a-key");
        Assert.Equal((HttpStatusCode.BadRequest, "trust.scope_invalid"), (bad.StatusCode, await CodeAsync(bad)));
        var unknown = await admin.GetAsync($"/api/trust/scopes/{Key}");
        Assert.Equal((HttpStatusCode.NotFound, "trust.scope_not_found"), (unknown.StatusCode, await CodeAsync(unknown)));
        var noReason = await admin.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { stage = "propose" });
        Assert.Equal((HttpStatusCode.BadRequest, "trust.pin_invalid"), (noReason.StatusCode, await CodeAsync(noReason)));
        var noStage = await admin.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { stage = "autopilot", reason = "x" });
        Assert.Equal((HttpStatusCode.BadRequest, "trust.pin_invalid"), (noStage.StatusCode, await CodeAsync(noStage)));
        var noScope = await admin.PostAsJsonAsync("/api/trust/resolve-mode", new { context = new { } });
        Assert.Equal((HttpStatusCode.BadRequest, "trust.resolve_invalid"), (noScope.StatusCode, await CodeAsync(noScope)));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { stage = "propose", reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/trust/scopes")).StatusCode);

        // A freeze pins the scope where it stands and is audited with its reason.
        var frozen = (await (await admin.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { freeze = true, reason = "audit week" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("observe", "audit week"), (frozen["pin"]!["stage"]!.GetValue<string>(), frozen["pin"]!["reason"]!.GetValue<string>()));
        Assert.Equal("audit week", Assert.Single(await AuditAsync(admin, "trust.pinned"))["reason"]!.GetValue<string>());
    }
}
