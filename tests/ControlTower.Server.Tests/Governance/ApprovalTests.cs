using System.Net;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

public sealed class ApprovalTests
{
    [Fact]
    public async Task Decide_WhenApproverApproves_RunTakesApprovedBranchWithTheDecisionAsOutput()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (approver, _, approverId) = await factory.CreateUserClientAsync("ann.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "Refill for {{ input.patient }}" }));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["patient"] = "p-1" });
        var approval = await WaitForApprovalAsync(admin, runId);
        Assert.Equal("Refill for p-1", approval["title"]!.GetValue<string>());
        Assert.Equal("p-1", approval["evidence"]!["patient"]!.GetValue<string>());

        var comment = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(approver, $"/api/approvals/{approval.Id()}/comments", new { text = "checking the prescription date" });
        Assert.Equal(HttpStatusCode.Created, comment.StatusCode);
        var detail = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(admin, $"/api/approvals/{approval.Id()}");
        Assert.Equal("checking the prescription date", detail!["comments"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("checking the prescription date", Assert.Single(await AuditAsync(admin, "approval.commented"))["reason"]!.GetValue<string>());

        var first = await DecideAsync(approver, approval.Id(), "approve", "key-1", "looks right");
        var repeat = await DecideAsync(approver, approval.Id(), "approve", "key-1", "looks right");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("completed", run.Status());
        var output = run["output"]!["yes"]!;
        Assert.Equal("approved", output["outcome"]!.GetValue<string>());
        Assert.Equal("ann.approver", output["decidedBy"]!.GetValue<string>());
        Assert.Equal(approverId, output["decidedById"]!.GetValue<Guid>());
        Assert.Equal("looks right", output["comment"]!.GetValue<string>());
        var late = await DecideAsync(admin, approval.Id(), "reject", "key-2");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("approval.closed", await CodeAsync(late));
        Assert.Single(await AuditAsync(admin, "approval.decided"));
        Assert.Single(await AuditAsync(admin, "approval.resolved"));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Decide_WhenRunInitiatorDecides_IsRefusedAsSelfApproval()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("bo.approver", "approver");
        var (viewer, _, _) = await factory.CreateUserClientAsync("vi.viewer", "viewer");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" }));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        var self = await DecideAsync(admin, approval.Id(), "approve");
        var outsider = await DecideAsync(viewer, approval.Id(), "approve");

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("approval.self_approval", await CodeAsync(self));
        Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
        Assert.Equal("approval.not_a_decider", await CodeAsync(outsider));
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, approval.Id(), "reject", comment: "no")).StatusCode);
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("rejected", run["output"]!["no"]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Decide_WhenTheApprovalAsksForAComment_ADecisionWithoutOneIsRefused()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("cy.approver", "approver");
        var onReject = await WaitForApprovalAsync(admin, await StartAsync(admin, await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" }))));
        var always = await WaitForApprovalAsync(admin, await StartAsync(admin,
            await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t", ["commentRequired"] = "always" }))));

        var bareReject = await DecideAsync(approver, onReject.Id(), "reject", comment: "  ");
        var bareApprove = await DecideAsync(approver, always.Id(), "approve");

        Assert.Equal("reject", onReject["commentRequired"]!.GetValue<string>());
        Assert.Equal("always", always["commentRequired"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, bareReject.StatusCode);
        Assert.Equal("approval.comment_required", await CodeAsync(bareReject));
        Assert.Equal(HttpStatusCode.BadRequest, bareApprove.StatusCode);
        Assert.Equal("approval.comment_required", await CodeAsync(bareApprove));
        Assert.Equal("pending", (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(admin, $"/api/approvals/{always.Id()}"))!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, always.Id(), "approve", comment: "stock checked")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, onReject.Id(), "reject", comment: "wrong dose")).StatusCode);
    }

    [Fact]
    public async Task Deciders_ListRolesAndEnabledPeopleForEditorsOnly()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (operatorClient, _, _) = await factory.CreateUserClientAsync("op.builder", "operator");
        var (approver, _, _) = await factory.CreateUserClientAsync("dee.approver", "approver");

        var deciders = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(operatorClient, "/api/approvals/deciders");
        var forbidden = await approver.GetAsync("/api/approvals/deciders");

        Assert.Equal(["admin", "approver", "operator", "viewer"], deciders!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        var people = deciders["users"]!.AsArray().Select(u => (u!["name"]!.GetValue<string>(), u["role"]!.GetValue<string>())).ToList();
        Assert.Contains(("dee.approver", "approver"), people);
        Assert.Contains(("op.builder", "operator"), people);
        Assert.DoesNotContain(people, p => p.Item2 == "service");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Decide_WhenTwoApprovalsRequired_FirstVoteKeepsItPendingAndSecondClosesIt()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (one, _, _) = await factory.CreateUserClientAsync("one.approver", "approver");
        var (two, _, _) = await factory.CreateUserClientAsync("two.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t", ["requiredApprovals"] = 2 }));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(one, approval.Id(), "approve", "a")).StatusCode);
        var again = await DecideAsync(one, approval.Id(), "approve", "b");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("approval.already_decided", await CodeAsync(again));
        Assert.Equal("pending", (await WaitForApprovalAsync(admin, runId))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(two, approval.Id(), "approve", "c")).StatusCode);

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal(2, run["output"]!["yes"]!["decisions"]!.AsArray().Count);
    }

    [Fact]
    public async Task Decide_When50DecisionsRace_ExactlyOneClosesTheApproval()
    {
        using var factory = new ControlTowerFactory();
        await RaceAsync(factory);
    }

    [Fact]
    public async Task Decide_When50DecisionsRaceOnPostgres_ExactlyOneClosesTheApproval()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        await RaceAsync(factory);
    }

    [Fact]
    public async Task Decide_When50DecisionsRaceOnMySql_ExactlyOneClosesTheApproval()
    {
        await using var mysql = await MySqlDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(mysql: mysql);
        await RaceAsync(factory);
    }

    private static async Task RaceAsync(ControlTowerFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        var deciders = new List<HttpClient>();
        for (var i = 0; i < 50; i++)
        {
            deciders.Add((await factory.CreateUserClientAsync($"racer.{i}", "approver")).Client);
        }

        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "race" }));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        using var start = new ManualResetEventSlim();
        var responses = await Task.WhenAll(deciders.Select((client, i) => Task.Run(async () =>
        {
            start.Wait();
            return (Vote: i % 2 == 0 ? "approve" : "reject", Response: await DecideAsync(client, approval.Id(), i % 2 == 0 ? "approve" : "reject", $"race-{i}", "racing"));
        })).Append(Task.Run(() =>
        {
            start.Set();
            return (Vote: "", Response: new HttpResponseMessage(HttpStatusCode.NoContent));
        })));

        var decided = responses.Where(r => r.Response.StatusCode == HttpStatusCode.Created).ToList();
        var winner = Assert.Single(decided);
        foreach (var (_, response) in responses.Where(r => r.Response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent)))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("approval.closed", await CodeAsync(response));
        }

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        var outcome = winner.Vote == "approve" ? "approved" : "rejected";
        var branch = winner.Vote == "approve" ? "yes" : "no";
        Assert.Equal(outcome, run["output"]![branch]!["outcome"]!.GetValue<string>());
        Assert.Single(run["output"]!.AsObject());
        Assert.Single(await AuditAsync(admin, "approval.resolved"));
        await AssertAuditIntactAsync(admin);
        deciders.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task Expiry_WhenClockPassesExpiresAt_NodeTakesExpiredOutcome()
    {
        var clock = new FakeWallClock(DateTimeOffset.UtcNow);
        using var factory = new ControlTowerFactory().WithServices(s => s.AddSingleton<TimeProvider>(clock));
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("slow.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t", ["expiresAfterSeconds"] = 3600 }));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        clock.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(300);
        var waiting = (await GetRunAsync(admin, runId))["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == "ask")!;
        Assert.Equal("waiting", waiting["status"]!.GetValue<string>());
        clock.Advance(TimeSpan.FromMinutes(2));

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("expired", run["output"]!["late"]!["outcome"]!.GetValue<string>());
        var late = await DecideAsync(approver, approval.Id(), "approve");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("approval.closed", await CodeAsync(late));
        Assert.Single(await AuditAsync(admin, "approval.expired"));
    }

    [Fact]
    public async Task Escalation_WhenTimePasses_EscalationRoleMayDecide()
    {
        var clock = new FakeWallClock(DateTimeOffset.UtcNow);
        using var factory = new ControlTowerFactory().WithServices(s => s.AddSingleton<TimeProvider>(clock));
        using var admin = factory.CreateAdminClient();
        var (operatorClient, _, _) = await factory.CreateUserClientAsync("op.escalated", "operator");
        var config = new JsonObject
        {
            ["title"] = "t",
            ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
            ["escalation"] = new JsonObject { ["afterSeconds"] = 600, ["role"] = "operator" },
        };
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(config));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        var early = await DecideAsync(operatorClient, approval.Id(), "approve");
        Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        Assert.Equal("approval.not_a_decider", await CodeAsync(early));
        clock.Advance(TimeSpan.FromMinutes(11));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await AuditAsync(admin, "approval.escalated")).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var inbox = await operatorClientInboxAsync(operatorClient);
        Assert.Contains(inbox, a => a.Id() == approval.Id());
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(operatorClient, approval.Id(), "approve")).StatusCode);
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("approved", run["output"]!["yes"]!["outcome"]!.GetValue<string>());

        static async Task<List<JsonObject>> operatorClientInboxAsync(HttpClient client)
        {
            var page = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(client, "/api/approvals?mine=true&status=pending");
            return [.. page!["items"]!.AsArray().Cast<JsonObject>()];
        }
    }

    [Fact]
    public async Task Inbox_WhenFilteredAndPaged_ReturnsPendingAndClosedByRoleAndWorkflow()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("inbox.approver", "approver");
        var (viewer, _, _) = await factory.CreateUserClientAsync("inbox.viewer", "viewer");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" }));
        var runs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await StartAsync(admin, workflow));
        }

        var approvals = new List<JsonObject>();
        foreach (var run in runs)
        {
            approvals.Add(await WaitForApprovalAsync(admin, run));
        }

        await DecideAsync(approver, approvals[0].Id(), "approve");
        await WaitForStatusAsync(admin, runs[0], "completed");

        var pending = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(approver, $"/api/approvals?mine=true&status=pending&workflowId={workflow}&limit=1");
        var closed = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(approver, $"/api/approvals?status=closed&role=approver");
        var viewers = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(viewer, "/api/approvals?mine=true&status=pending");

        Assert.Equal(2, pending!["total"]!.GetValue<int>());
        Assert.Single(pending["items"]!.AsArray());
        Assert.Equal(1, pending["nextOffset"]!.GetValue<int>());
        Assert.Equal(approvals[0].Id(), Assert.Single(closed!["items"]!.AsArray())!.Id());
        Assert.Empty(viewers!["items"]!.AsArray());
    }
}
