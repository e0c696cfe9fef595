using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Server.Workflows;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Workflows;

/// <summary>The pure parts of ownership: the access level a caller has, and where a graph names credentials.</summary>
public sealed class WorkflowAccessTests
{
    private static readonly Guid Owner = Guid.NewGuid();
    private static readonly Guid Someone = Guid.NewGuid();

    private static WorkflowShareEntity Share(Guid? user, string? role, string access) =>
        new() { Id = Guid.NewGuid(), GranteeUserId = user, GranteeRole = role, Access = access, CreatedBy = "user:owner" };

    [Theory]
    [InlineData("owner", "operator", false, "owner")]
    [InlineData("someone", "admin", false, "admin")]
    [InlineData("someone", "operator", false, "none")]
    [InlineData("someone", "service", false, "runner")]
    [InlineData("someone", "service", true, "editor")]
    public void LevelOf_WhenCallerMatchesOwnerRoleOrShares_IsTheStrongestGrant(string who, string role, bool sharedWithThem, string expected)
    {
        var shares = new List<WorkflowShareEntity> { Share(null, "service", WorkflowAccess.Runner), Share(Guid.NewGuid(), null, WorkflowAccess.Editor) };
        if (sharedWithThem)
        {
            shares.Add(Share(Someone, null, WorkflowAccess.Editor));
        }

        var level = WorkflowAccess.LevelOf(Owner, shares, new WorkflowCaller(who == "owner" ? Owner : Someone, role, "user:x"));

        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("owner", true, true)]
    [InlineData("admin", true, true)]
    [InlineData("editor", true, true)]
    [InlineData("runner", false, true)]
    [InlineData("none", false, false)]
    public void CanEditAndCanRun_WhenGivenALevel_FollowTheModel(string level, bool edit, bool run) =>
        Assert.Equal((edit, run), (WorkflowAccess.CanEdit(level), WorkflowAccess.CanRun(level)));

    [Fact]
    public void References_WhenConfigsNameCredentialsAnywhere_FindsEachWithItsPointer()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var graph = WorkflowGraph.FromJson(Graph(
            [
                Node("hook", "trigger.webhook", new() { ["signature"] = new JsonObject { ["secretCredentialId"] = a.ToString() } }),
                Node("call", "http.request", new() { ["url"] = "http://x", ["credentialId"] = b.ToString() }),
                Node("deep", "transform", new() { ["expression"] = "1", ["steps"] = new JsonArray(new JsonObject { ["credentialId"] = c.ToString() }) }),
                Node("plain", "transform", new() { ["expression"] = "1", ["credentialId"] = "{{ not an id }}" }),
            ],
            []));

        var references = WorkflowCredentialCheck.References(graph);

        Assert.Equal(
            [("hook", "/nodes/0/config/signature/secretCredentialId", a), ("call", "/nodes/1/config/credentialId", b), ("deep", "/nodes/2/config/steps/0/credentialId", c)],
            references.Select(r => (r.NodeId, r.Pointer, r.CredentialId)));
    }
}
