using System.Text.Json.Nodes;
using ControlTower.Core.Schemas;
using ControlTower.Server.Mcp;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Tests.Mcp;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>
/// The back office tools of the real <c>controltower pharmacy-mcp --seed</c> process over stdio, called through the
/// federation's invoker: each tool's answer (checked against the output schema it lists) and its refusals.
/// </summary>
public sealed class PharmacyBackOfficeServerTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-backoffice-");
    private McpHarness _harness = null!;

    private string StateFile => Path.Combine(_folder.FullName, "pharmacy.json");

    public Task InitializeAsync()
    {
        _harness = new McpHarness();
        _harness.Add(Seeded(StateFile, PharmacyMcpCommand.ServerId, 42));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    internal static McpServerDefinition Seeded(string file, string id, int seed)
    {
        var launch = PharmacyMcpCommand.Launch(file, id, id);
        return launch with { Arguments = [.. launch.Arguments, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)] };
    }

    /// <summary>Calls a tool; a successful answer must satisfy the output schema the tool lists.</summary>
    private async Task<JsonNode> OkAsync(string tool, JsonObject arguments, string? key = null)
    {
        var result = await _harness.Invoker.CallAsync(PharmacyMcpCommand.ServerId, tool, arguments, new McpCallContext { IdempotencyKey = key }, CancellationToken.None);
        Assert.False(result.IsError, result.ErrorMessage);
        var answer = result.Output["structuredContent"]!;
        var schema = _harness.Catalog.Get(PharmacyMcpCommand.ServerId)!.Tools.Single(t => t.Name == tool).OutputSchema!;
        Assert.Empty(JsonSchemaValidator.Validate(schema, answer));
        return answer;
    }

    private async Task<string> RefusedAsync(string tool, JsonObject arguments)
    {
        var result = await _harness.Invoker.CallAsync(PharmacyMcpCommand.ServerId, tool, arguments, new McpCallContext(), CancellationToken.None);
        Assert.True(result.IsError, result.Output.ToJsonString());
        return result.ErrorMessage![..result.ErrorMessage!.IndexOf(':', StringComparison.Ordinal)];
    }

    private static JsonObject Rx(string rx, string? today = null) => today is null ? new() { ["rx"] = rx } : new() { ["rx"] = rx, ["today"] = today };

    [Fact]
    public async Task GetPatientAndPrescription_WhenKnown_AnswerTheSeededFactsAndWhenUnknown_TheirCodes()
    {
        var patient = await OkAsync("get_patient", new JsonObject { ["patient_id"] = "P-1008" });
        var prescription = await OkAsync("get_prescription", Rx("RX-1003"));

        Assert.Equal("Henry Walsh", patient["name"]!.GetValue<string>());
        Assert.Equal(["RX-1008", "RX-1009"], patient["prescriptions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(("Oxycodone 5 mg", "C-II", true, 20, 5), (prescription["drug"]!.GetValue<string>(), prescription["controlled_schedule"]!.GetValue<string>(),
            prescription["controlled"]!.GetValue<bool>(), prescription["quantity"]!.GetValue<int>(), prescription["days_supply"]!.GetValue<int>()));
        Assert.Null(prescription["last_fill_date"]);
        Assert.Equal(PharmacyErrorCodes.UnknownPatient, await RefusedAsync("get_patient", new JsonObject { ["patient_id"] = "P-0000" }));
        Assert.Equal(PharmacyErrorCodes.UnknownPrescription, await RefusedAsync("get_prescription", Rx("RX-0000")));
    }

    [Theory]
    [InlineData("RX-1001", null, "eligible", true)]
    [InlineData("RX-1003", null, "first_fill", true)]
    [InlineData("RX-1002", null, "no_refills_remaining", false)]
    [InlineData("RX-1007", null, "too_early", false)]
    [InlineData("RX-1007", "2026-12-14", "eligible", true)]
    public async Task CheckRefillEligibility_WhenAskedOnADay_JudgesRefillsAndDaysSupply(string rx, string? today, string reason, bool eligible)
    {
        var answer = await OkAsync("check_refill_eligibility", Rx(rx, today));

        Assert.Equal((reason, eligible), (answer["reason"]!.GetValue<string>(), answer["eligible"]!.GetValue<bool>()));
        Assert.Equal(today ?? PharmacySeed.Today, answer["today"]!.GetValue<string>());
    }

    [Fact]
    public async Task CheckRefillEligibility_WhenTooEarly_SaysTheEarliestDayAndRefusesDatesThatDoNotExist()
    {
        var early = await OkAsync("check_refill_eligibility", Rx("RX-1007"));

        Assert.Equal("2026-12-14", early["earliest_fill_date"]!.GetValue<string>());
        Assert.Equal(10, early["days_since_last_fill"]!.GetValue<int>());
        Assert.Equal(PharmacyErrorCodes.ArgumentsInvalid, await RefusedAsync("check_refill_eligibility", Rx("RX-1007", "2026-02-30")));
        Assert.Equal(PharmacyErrorCodes.UnknownPrescription, await RefusedAsync("check_refill_eligibility", Rx("RX-9999")));
    }

    [Theory]
    [InlineData("P-1008", "Ibuprofen 400 mg", "major", "Warfarin 5 mg")]
    [InlineData("P-1002", "Lisinopril 10 mg", "moderate", "Potassium chloride 20 mEq")]
    [InlineData("P-1001", "Atorvastatin 20 mg", "none", null)]
    public async Task CheckInteractions_WhenThePatientTakesOtherMedicines_FindsTheTableRows(string patient, string drug, string severity, string? with)
    {
        var answer = await OkAsync("check_interactions", new JsonObject { ["patient_id"] = patient, ["drug"] = drug });

        Assert.Equal(severity, answer["highest_severity"]!.GetValue<string>());
        Assert.Equal(with is null ? [] : [with], answer["interactions"]!.AsArray().Select(i => i!["with"]!.GetValue<string>()));
        Assert.Equal(PharmacyErrorCodes.UnknownPatient, await RefusedAsync("check_interactions", new JsonObject { ["patient_id"] = "P-404", ["drug"] = drug }));
    }

    [Theory]
    [InlineData("RX-1001", "paid", null)]
    [InlineData("RX-1005", "rejected", "75")]
    [InlineData("RX-1007", "rejected", "79")]
    [InlineData("RX-1002", "rejected", "MR")]
    public async Task AdjudicateClaim_WhenSent_IsPaidOrRejectedWithItsCode(string rx, string status, string? code)
    {
        var claim = await OkAsync("adjudicate_claim", Rx(rx), $"claim-{rx}");

        Assert.Equal(status, claim["status"]!.GetValue<string>());
        Assert.Equal(code is null ? [] : [code], claim["reject_codes"]!.AsArray().Select(c => c!["code"]!.GetValue<string>()));
        Assert.Equal(code is null ? 10m : 0m, claim["patient_pays"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task AdjudicateClaim_WhenRetriedUnderItsKey_AnswersTheSameClaimAndANewKeyMakesANewOne()
    {
        var first = await OkAsync("adjudicate_claim", Rx("RX-1001"), "run-1:adjudicate_claim:1");
        var retried = await OkAsync("adjudicate_claim", Rx("RX-1001"), "run-1:adjudicate_claim:1");
        var next = await OkAsync("adjudicate_claim", Rx("RX-1001"), "run-2:adjudicate_claim:1");
        var reused = await _harness.Invoker.CallAsync(PharmacyMcpCommand.ServerId, "adjudicate_claim", Rx("RX-1005"),
            new McpCallContext { IdempotencyKey = "run-1:adjudicate_claim:1" }, CancellationToken.None);

        Assert.Equal(first["claim_id"]!.GetValue<string>(), retried["claim_id"]!.GetValue<string>());
        Assert.True(retried["replayed"]!.GetValue<bool>());
        Assert.NotEqual(first["claim_id"]!.GetValue<string>(), next["claim_id"]!.GetValue<string>());
        Assert.StartsWith(PharmacyErrorCodes.IdempotencyKeyReused, reused.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestPrescriberApproval_WhenPolled_AnswersLaterAndAnApprovedRenewalLetsTheClaimPay()
    {
        var request = await OkAsync("request_prescriber_approval", new JsonObject { ["rx"] = "RX-1002", ["reason"] = "no refills remain" }, "run-2:request_renewal:1");
        var id = new JsonObject { ["request_id"] = request["request_id"]!.GetValue<string>() };

        var polls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            polls.Add((await OkAsync("get_prescriber_response", id))["status"]!.GetValue<string>());
        }

        var answered = await OkAsync("get_prescriber_response", id);
        var claim = await OkAsync("adjudicate_claim", new JsonObject { ["rx"] = "RX-1002", ["prescriber_request_id"] = id["request_id"]!.DeepClone() });
        var again = await OkAsync("request_prescriber_approval", new JsonObject { ["rx"] = "RX-1002", ["reason"] = "no refills remain" }, "run-2:request_renewal:1");

        Assert.Equal("pending", request["status"]!.GetValue<string>());
        Assert.Equal(["pending", "approved", "approved"], polls);
        Assert.Equal((3, 2), (answered["refills_authorized"]!.GetValue<int>(), answered["polls"]!.GetValue<int>()));
        Assert.Equal("paid", claim["status"]!.GetValue<string>());
        Assert.Equal(request["request_id"]!.GetValue<string>(), again["request_id"]!.GetValue<string>());
        Assert.Equal(PharmacyErrorCodes.UnknownRequest, await RefusedAsync("get_prescriber_response", new JsonObject { ["request_id"] = "PR-404" }));
        Assert.Equal(PharmacyErrorCodes.UnknownPrescription, await RefusedAsync("request_prescriber_approval", new JsonObject { ["rx"] = "RX-404", ["reason"] = "x" }));
    }

    [Fact]
    public async Task GetPrescriberResponse_WhenThePrescriberDenies_IsDeniedWithNoRefills()
    {
        var request = await OkAsync("request_prescriber_approval", new JsonObject { ["rx"] = "RX-1006", ["reason"] = "no refills remain" });
        var id = new JsonObject { ["request_id"] = request["request_id"]!.GetValue<string>() };

        await OkAsync("get_prescriber_response", id);
        var answer = await OkAsync("get_prescriber_response", id);

        Assert.Equal(("denied", 0, "Dr. Ben Okafor"), (answer["status"]!.GetValue<string>(), answer["refills_authorized"]!.GetValue<int>(), answer["prescriber_name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Preverify_WhenThePatientIsAllergicToTheClass_FailsThatCheckOnly()
    {
        var clean = await OkAsync("preverify", Rx("RX-1001"));
        var allergic = await OkAsync("preverify", Rx("RX-1010"));

        Assert.True(clean["passed"]!.GetValue<bool>());
        Assert.False(allergic["passed"]!.GetValue<bool>());
        Assert.Equal(["allergies"], allergic["checks"]!.AsArray().Where(c => !c!["passed"]!.GetValue<bool>()).Select(c => c!["check"]!.GetValue<string>()));
        Assert.Equal(PharmacyErrorCodes.UnknownPrescription, await RefusedAsync("preverify", Rx("RX-404")));
    }

    [Fact]
    public async Task Dispense_WhenTheRxIsOnFile_RecordsTheFillAndLeavesThePrescriptionAsWritten()
    {
        var before = await OkAsync("get_prescription", Rx("RX-1001"));

        await OkAsync("dispense", new JsonObject { ["rx"] = "RX-1001", ["drug"] = "Atorvastatin 20 mg", ["quantity"] = 30 }, "run-9:dispense:1");
        var after = await OkAsync("get_prescription", Rx("RX-1001"));

        Assert.Equal(0, before["fills_recorded"]!.GetValue<int>());
        Assert.Equal(1, after["fills_recorded"]!.GetValue<int>());
        Assert.Equal(before["refills_remaining"]!.GetValue<int>(), after["refills_remaining"]!.GetValue<int>());
        Assert.Equal(470, (await OkAsync("get_stock", new JsonObject { ["drug"] = "Atorvastatin 20 mg" }))["on_hand"]!.GetValue<int>());
    }
}
