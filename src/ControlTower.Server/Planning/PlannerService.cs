using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;
using ControlTower.Server.Llm;
using ControlTower.Server.Mcp;
using ControlTower.Server.Workflows;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Planning;

/// <summary>A request for a draft: the words, and for a refinement the workflow (and version, default latest) to refine.</summary>
internal sealed record DraftRequest(string? Prompt, Guid? WorkflowId, int? BaseVersion);

/// <summary>
/// The answer of <c>POST /api/planner/drafts</c>: <see cref="PlanDraft"/>'s fields, and for a refinement the workflow and
/// version it refines with the <see cref="Changes"/> from that version to the draft (what the dashboard's version diff draws).
/// </summary>
internal sealed record DraftResponse(
    JsonObject? Graph,
    IReadOnlyList<PlanExplanation> Explanation,
    IReadOnlyList<string> Assumptions,
    IReadOnlyList<PlanProblem> Problems,
    string Planner,
    string? Model,
    Guid? WorkflowId,
    int? BaseVersion,
    IReadOnlyList<GraphChange>? Changes);

/// <summary>
/// Picks the planner (<see cref="PlannerOptions.Mode"/>; the LLM one only when <c>LLM_BASE_URL</c> is set), gives it the
/// catalog, and validates its graph once more with the same rules as a save before anything leaves: a graph that fails is
/// withheld (null graph, its problems listed). When the LLM provider fails, the offline planner drafts instead and the
/// draft says so in a <c>planner.llm_unavailable</c> problem.
/// </summary>
internal sealed class PlannerService(
    IEnumerable<IWorkflowPlanner> planners,
    LlmChatClients llm,
    IOptions<PlannerOptions> options,
    WorkflowGraphValidation validation,
    PlannerMetrics metrics,
    TimeProvider time,
    ILogger<PlannerService> logger)
{
    /// <summary>The trimmed request, or a 400 when it is empty or longer than <c>PLANNER_MAX_PROMPT_CHARS</c>.</summary>
    public string CheckPrompt(string? prompt)
    {
        var text = prompt?.Trim() ?? "";
        if (text.Length == 0)
        {
            throw new ControlTowerException(ErrorKind.Validation, PlanProblemCodes.PromptEmpty, "Describe the workflow in 'prompt': the request is empty.");
        }

        var max = options.Value.MaxPromptChars;
        return text.Length <= max
            ? text
            : throw new ControlTowerException(ErrorKind.Validation, PlanProblemCodes.PromptTooLong,
                $"The request has {text.Length} characters; at most {max} are planned (PLANNER_MAX_PROMPT_CHARS).");
    }

    /// <summary>
    /// Plans <paramref name="request"/> over its catalog; <paramref name="serversWithoutCatalog"/> are servers known to exist
    /// whose tools could not be listed (their nodes are warnings, not errors).
    /// </summary>
    public async Task<PlanDraft> PlanAsync(PlanRequest request, IEnumerable<string> serversWithoutCatalog, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var checker = new DraftChecker(validation, DraftChecker.ViewOf(request.Catalog, serversWithoutCatalog));
        var draft = await DraftAsync(request, checker, cancellationToken).ConfigureAwait(false);
        draft = Final(draft, checker);
        var elapsed = time.GetElapsedTime(started);
        metrics.Drafted(draft.Planner, draft.Graph is not null, elapsed);
        logger.Drafted(draft.Planner, draft.Graph?["nodes"] is JsonArray nodes ? nodes.Count : 0, draft.Problems.Count, elapsed.TotalMilliseconds);
        return draft;
    }

    private async Task<PlanDraft> DraftAsync(PlanRequest request, DraftChecker checker, CancellationToken cancellationToken)
    {
        if (!options.Value.UsesLlm(llm.IsConfigured))
        {
            return await Planner(OfflineWorkflowPlanner.PlannerName).PlanAsync(request, checker, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await Planner(LlmWorkflowPlanner.PlannerName).PlanAsync(request, checker, cancellationToken).ConfigureAwait(false);
        }
        catch (LlmException failure)
        {
            logger.LlmFailed(failure.Code);
            var offline = await Planner(OfflineWorkflowPlanner.PlannerName).PlanAsync(request, checker, cancellationToken).ConfigureAwait(false);
            return offline with
            {
                Problems = [new PlanProblem(PlannerErrorCodes.LlmUnavailable,
                    $"The LLM planner failed ({failure.Code}: {failure.Message}); the offline planner drafted this instead.", null), .. offline.Problems],
            };
        }
    }

    private IWorkflowPlanner Planner(string name) => planners.First(p => p.Name == name);

    /// <summary>The same validation as a save, whatever the planner claims: a failing graph never leaves.</summary>
    private PlanDraft Final(PlanDraft draft, DraftChecker checker)
    {
        if (draft.Graph is null)
        {
            return draft;
        }

        var (problems, _) = checker.Check(draft.Graph);
        if (problems.Count == 0)
        {
            return draft;
        }

        logger.DraftWithheld(draft.Planner, problems.Count);
        return draft with
        {
            Graph = null,
            Explanation = [],
            Problems = [new PlanProblem(PlanProblemCodes.DraftInvalid, $"The {draft.Planner} planner's graph failed validation ({problems.Count} problem(s)); it is not shown.", null),
                .. draft.Problems, .. problems.Select(DraftChecker.ToPlanProblem)],
        };
    }

    /// <summary>The tools of the registered, enabled servers (connecting those not connected yet) and the servers whose catalog could not be read.</summary>
    public static async Task<(IReadOnlyList<PlannerTool> Tools, IReadOnlyList<string> ServersWithoutCatalog)> RegisteredCatalogAsync(
        McpCatalogLoader loader, McpServerRegistry registry, McpCatalog catalog, CancellationToken cancellationToken)
    {
        await loader.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var servers = registry.List();
        var tools = servers.Where(s => s.Enabled).Select(s => catalog.Get(s.Id)).OfType<McpCatalogSnapshot>()
            .SelectMany(s => s.Tools)
            .OrderBy(t => t.QualifiedName, StringComparer.Ordinal)
            .Select(t => new PlannerTool(t.ServerId, t.Name, t.Title, t.Description, t.InputSchema, t.OutputSchema))
            .ToList();
        return (tools, [.. servers.Where(s => !s.Enabled || catalog.Get(s.Id) is null).Select(s => s.Id)]);
    }
}
