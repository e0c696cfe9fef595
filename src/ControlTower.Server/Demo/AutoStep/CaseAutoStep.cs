using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust;
using ControlTower.Server.Audit;
using ControlTower.Server.Demo.Simulation;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Trust;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Demo.AutoStep;

/// <summary>What an auto-step did: the approval it looked at, whether it approved it, why, and the prediction it went by.</summary>
internal sealed record AutoStepResult(Guid RunId, Guid ApprovalId, string NodeId, bool Advanced, string? Decision, string Why, JsonObject Prediction, string Stage);

/// <summary>
/// <c>POST /api/demo/cases/{runId}/auto-step</c>: advances a waiting case by one decision using the models' prediction.
/// The oldest pending approval of the run is scored on the case's facts by the dispense scope's models (the same scoring a
/// governed dispense gets); it is approved — as <c>user:demo.auto-step</c>, through the approval service — only when
/// the scope has reached <c>propose</c> (its predictions are shown to people, so they are trusted to advise), no rule asks a
/// person to check it, the case is not anomalous and the predicted approval clears <c>TRUST_AUTO_APPROVAL</c>. Otherwise
/// nothing is decided and the answer says which condition failed. Either way it is audited <c>demo.auto_step</c>.
/// </summary>
internal sealed class CaseAutoStep(
    IDbContextFactory<ControlTowerDbContext> contexts,
    ApprovalService approvals,
    GateService gates,
    TrustService trust,
    IOptions<TrustOptions> trustOptions,
    DemoActors actors,
    DemoMode demo,
    AuditLog audit)
{
    public async Task<AutoStepResult> StepAsync(Guid runId, string caller, CancellationToken cancellationToken)
    {
        demo.Require();
        var (run, approval) = await WaitingAsync(runId, cancellationToken);
        var evidence = approval.Evidence is null ? null : JsonNode.Parse(approval.Evidence);
        var facts = RefillCases.Facts(evidence)
            ?? throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.NotARefillCase, $"Run {runId} is not a refill case: there are no facts to predict from.");
        var step = RefillCases.Step(approval.NodeId, approval.NodeType);
        var scope = RefillCases.DispenseScope;
        var gate = await gates.ResolveAsync(null, "governed.action", scope.ActionType, cancellationToken);
        var ruleAsks = step == Core.Demo.ApprovalStep.Verification && RefillCases.RuleRequiresApproval(facts);
        var resolution = await trust.ResolveAsync(scope, $"auto-step:{approval.Id}", RefillCases.Features(evidence), reversible: true, TrustService.Cap(gate), ruleAsks, cancellationToken);
        var predicted = resolution.Predictions.Approval;
        var threshold = trustOptions.Value.AutoApproval;
        var refusal = Refusal(resolution, ruleAsks, threshold);
        var why = refusal ?? $"predicted approval {Format(predicted.Probability)} ≥ {Format(threshold)} (model {predicted.ModelVersion}); the scope is at {resolution.ScopeStage.Name()}";
        string? decision = null;
        if (refusal is null)
        {
            var principal = await actors.PrincipalAsync(DemoActors.AutoStep, cancellationToken);
            await approvals.DecideAsync(approval.Id, principal, $"auto-step:{approval.Id}", new DecisionBody("approve", $"auto-step: {why}"), cancellationToken);
            decision = "approve";
        }

        var prediction = new JsonObject
        {
            ["approval"] = predicted.Probability,
            ["modelVersion"] = predicted.ModelVersion,
            ["coldStart"] = predicted.ColdStart,
            ["anomalous"] = resolution.Predictions.Anomaly.Anomalous,
            ["threshold"] = threshold,
        };
        await AuditAsync(caller, run.Id, approval, decision, why, prediction, resolution.ScopeStage, cancellationToken);
        return new AutoStepResult(run.Id, approval.Id, approval.NodeId, decision is not null, decision, why, prediction, resolution.ScopeStage.Name());
    }

    /// <summary>Why the prediction may not decide this approval; null when it may.</summary>
    private static string? Refusal(TrustResolution resolution, bool ruleAsks, double threshold) =>
        ruleAsks ? "a rule asks a person to check this dispense (a controlled substance, a major interaction or a quantity over 60)"
        : resolution.ScopeStage < TrustStage.Propose ? $"the dispense scope is at {resolution.ScopeStage.Name()}: its predictions are recorded in shadow, not yet trusted to advise"
        : resolution.Predictions.Anomaly.Anomalous ? $"the case looks anomalous (score {Format(resolution.Predictions.Anomaly.Score)})"
        : resolution.Predictions.Approval.Probability < threshold ? $"predicted approval {Format(resolution.Predictions.Approval.Probability)} is below {Format(threshold)}"
        : null;

    private async Task<(RunEntity Run, ApprovalEntity Approval)> WaitingAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, DemoErrorCodes.CaseNotFound, $"No run {runId}.");
        var approval = await db.Set<ApprovalEntity>().AsNoTracking()
            .Where(a => a.RunId == runId && a.Status == ApprovalService.Pending)
            .OrderBy(a => a.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.CaseNotWaiting, $"Run {runId} ({run.Status}) waits for no approval.");
        return (run, approval);
    }

    private async Task AuditAsync(string caller, Guid runId, ApprovalEntity approval, string? decision, string why, JsonObject prediction, TrustStage stage, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await audit.CommitAsync(db, new AuditEvent(caller, "demo.auto_step", $"approval:{approval.Id}", decision is null ? $"not advanced: {why}" : $"approved by prediction: {why}",
            new JsonObject
            {
                ["runId"] = runId.ToString(),
                ["nodeId"] = approval.NodeId,
                ["decision"] = decision,
                ["prediction"] = prediction.DeepClone(),
                ["stage"] = stage.Name(),
            }), cancellationToken);
    }

    private static string Format(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
