using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Trust;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Trust;

/// <summary>Model storage and retraining over HTTP: the retrain check, an admin retrain that the predictor uses at once, the trainer lease.</summary>
public sealed class TrustModelApiTests
{
    internal static readonly Dictionary<string, string?> SmallTraining = new()
    {
        ["TRUST_MIN_TRAINING_EXAMPLES"] = "60",
        ["TRUST_MIN_EXAMPLES_PER_CLASS"] = "8",
        ["TRUST_MIN_ANOMALY_EXAMPLES"] = "30",
        ["TRUST_RETRAIN_CHECK_SECONDS"] = "0",
    };

    private static readonly object Scope = new { tenant = "t1", site = "s1", queue = "refill", actionType = "pharmacy.dispense", role = "pharmacist" };

    /// <summary>Proposals whose approval depends on the quantity (small fills approved, large ones rejected), each decided and most run.</summary>
    internal static async Task PostHistoryAsync(HttpClient client, int count)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-2);
        for (var i = 0; i < count; i++)
        {
            var quantity = 10 + (i * 37 % 110);
            var approved = quantity <= 70;
            var at = start.AddMinutes(i * 10);
            var id = $"h{i}";
            (await client.PostAsJsonAsync("/api/trust/events",
                new { kind = "proposal", proposalId = id, scope = Scope, at, context = new { quantity, controlled = i % 7 == 0 } })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/trust/events",
                new { kind = "decision", proposalId = id, scope = Scope, at = at.AddMinutes(2), result = approved ? "approved" : "rejected", latencySeconds = 120 })).EnsureSuccessStatusCode();
            if (approved)
            {
                (await client.PostAsJsonAsync("/api/trust/events",
                    new { kind = "execution", proposalId = id, scope = Scope, at = at.AddMinutes(3), result = i % 9 == 0 ? "failed" : "succeeded", mode = "person" })).EnsureSuccessStatusCode();
            }
        }
    }

    [Fact]
    public async Task Retrain_WhenEnoughEvents_StoresVersionedModelsThatPredictionsUseAtOnce()
    {
        using var factory = new ControlTowerFactory(SmallTraining);
        using var admin = factory.CreateAdminClient();
        var (viewer, _, _) = await factory.CreateUserClientAsync("val.viewer", "viewer");
        await PostHistoryAsync(admin, 90);

        var check = (await viewer.GetFromJsonAsync<JsonObject>("/api/trust/models/retrain-check"))!;
        Assert.True(check["retrain"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Contains("no model yet", check["reasons"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/trust/models/retrain", null)).StatusCode);

        var retrain = await admin.PostAsync("/api/trust/models/retrain", null);
        Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
        var result = (await retrain.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(result["trained"]!.GetValue<bool>(), result.ToJsonString());

        var listing = (await viewer.GetFromJsonAsync<JsonObject>("/api/trust/models"))!;
        var approval = listing["models"]!.AsArray().Single(m => m!["kind"]!.GetValue<string>() == "approval")!;
        Assert.True(approval["active"]!.GetValue<bool>() && approval["inUse"]!.GetValue<bool>());
        Assert.Equal(42, approval["seed"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(approval["featureConfigHash"]!.GetValue<string>()));
        var manifest = approval["manifest"]!;
        Assert.Equal(90, manifest["dataset"]!["rows"]!.GetValue<int>());
        Assert.InRange(manifest["metrics"]!["auc"]!.GetValue<double>(), 0.5, 1.0);
        Assert.NotEmpty(manifest["metrics"]!["importances"]!.AsArray());
        Assert.False(listing["check"]!["retrain"]!.GetValue<bool>());
        Assert.Contains(await AuditAsync(admin, "trust.model_trained"), e => e["data"]!["kind"]!.GetValue<string>() == "approval");

        // The next proposal is scored by the trained model, not the prior, with its version and contributions.
        var small = (await (await admin.PostAsJsonAsync("/api/trust/resolve-mode",
            new { scope = Scope, context = new { quantity = 20, controlled = false } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var large = (await (await admin.PostAsJsonAsync("/api/trust/resolve-mode",
            new { scope = Scope, context = new { quantity = 115, controlled = false } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var smallApproval = small["predictions"]!["approval"]!;
        Assert.False(smallApproval["coldStart"]!.GetValue<bool>());
        Assert.Equal(approval["version"]!.GetValue<string>(), smallApproval["modelVersion"]!.GetValue<string>());
        Assert.True(smallApproval["probability"]!.GetValue<double>() > large["predictions"]!["approval"]!["probability"]!.GetValue<double>());
    }

    [Fact]
    public async Task Retrain_WhenAnotherProcessHoldsTheLease_IsConflictAndTrainsNothing()
    {
        using var factory = new ControlTowerFactory(SmallTraining);
        using var admin = factory.CreateAdminClient();
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync())
        {
            db.Add(new TrustLeaseEntity { Name = TrustModelService.LeaseName, Holder = "other-process", Until = DateTime.UtcNow.AddMinutes(5) });
            await db.SaveChangesAsync();
        }

        var response = await admin.PostAsync("/api/trust/models/retrain", null);

        Assert.Equal((HttpStatusCode.Conflict, "trust.training_in_progress"), (response.StatusCode, await CodeAsync(response)));
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/api/trust/models"))!["models"]!.AsArray());
    }
}
