using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Trust;

/// <summary>
/// The trust tables on PostgreSQL and MySQL, through the API: events (with an idempotent repeat), a pin and its stage change, the
/// scope's history, a retrain that stores the models and takes the trainer lease, and a restarted server that loads the
/// stored models from the database and scores with them.
/// </summary>
public sealed class TrustPostgresTests
{
    private const string Key = "t1%7Cs1%7Crefill%7Cpharmacy.dispense%7Cpharmacist";
    private static readonly object Scope = new { tenant = "t1", site = "s1", queue = "refill", actionType = "pharmacy.dispense", role = "pharmacist" };

    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task TrustApi_WhenOnPostgreSql_RecordsPinsTrainsAndReloadsTheModelsAfterARestart(string provider)
    {
        await using var database = await ServerDatabase.CreateAsync(provider);
        // The models' bytes are in the blob store: the restarted server reads the same folder (as one host, or a shared volume).
        var blobs = Directory.CreateTempSubdirectory("controltower-trust-blobs-").FullName;
        var settings = new Dictionary<string, string?>(TrustModelApiTests.SmallTraining) { ["STORAGE_LOCAL_DIR"] = blobs };
        string approvalVersion;
        using (var factory = database.Factory(settings))
        {
            using var admin = factory.CreateAdminClient();
            await TrustModelApiTests.PostHistoryAsync(admin, 90);
            Assert.Equal(HttpStatusCode.Created, (await PostKeyedAsync(admin, "pg-1")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await PostKeyedAsync(admin, "pg-1")).StatusCode);
            (await admin.PutAsJsonAsync($"/api/trust/scopes/{Key}/pin", new { stage = "observe", reason = "audit on postgres" })).EnsureSuccessStatusCode();

            var retrain = (await (await admin.PostAsync("/api/trust/models/retrain", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.True(retrain["trained"]!.GetValue<bool>(), retrain.ToJsonString());
            var models = (await admin.GetFromJsonAsync<JsonObject>("/api/trust/models"))!["models"]!.AsArray();
            // The history has too few failed executions for the outcome model, which stays cold (said in the skipped list).
            Assert.Equal(["anomaly", "approval"], models.Select(m => m!["kind"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            approvalVersion = models.Single(m => m!["kind"]!.GetValue<string>() == "approval")!["version"]!.GetValue<string>();

            var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/trust/scopes/{Key}"))!;
            // The history promoted the scope to propose; the pin took it back to observe.
            Assert.Equal(("observe", "observe"), (detail["scope"]!["stage"]!.GetValue<string>(), detail["scope"]!["pin"]!["stage"]!.GetValue<string>()));
            Assert.Contains(detail["changes"]!.AsArray(), c => c!["rule"]!.GetValue<string>() == "promoted");
            Assert.Contains(detail["changes"]!.AsArray(), c => c!["rule"]!.GetValue<string>() == "pinned");
            Assert.NotEmpty(detail["series"]!.AsArray());
        }

        // 90 proposals, 90 decisions, the executions of the approved (quantity ≤ 70) and one keyed proposal stored once.
        var executed = Enumerable.Range(0, 90).Count(i => 10 + (i * 37 % 110) <= 70);
        Assert.Equal(180L + executed + 1, await database.ScalarAsync<long>("SELECT COUNT(*) FROM trust_events"));
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM trust_models"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM trust_leases"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM trust_stage_changes WHERE \"Rule\" = 'pinned'"));

        using var restarted = database.Factory(settings);
        using var again = restarted.CreateAdminClient();
        var resolved = (await (await again.PostAsJsonAsync("/api/trust/resolve-mode", new { scope = Scope, context = new { quantity = 20, controlled = false } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;
        var approval = resolved["predictions"]!["approval"]!;
        Assert.Equal((approvalVersion, false), (approval["modelVersion"]!.GetValue<string>(), approval["coldStart"]!.GetValue<bool>()));
        Assert.NotEmpty(approval["contributions"]!.AsArray());
        Assert.Equal("observe", resolved["stage"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/trust/events")
        {
            Content = JsonContent.Create(new { kind = "proposal", proposalId = key, scope = Scope, context = new { quantity = 30, controlled = false } }),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }
}
