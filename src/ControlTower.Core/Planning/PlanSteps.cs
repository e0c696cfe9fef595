using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>How the run starts: a trigger node type and its config, with the words it came from.</summary>
internal sealed record PlanTrigger(string Type, JsonObject Config, string? Text, IReadOnlyList<string> Assumptions);

/// <summary>One thing the request asks for, in order; branches and loops hold steps of their own.</summary>
internal abstract record PlanStep(string Text);

/// <summary>Something to do: a tool or built-in node, picked later by ranking the catalog.</summary>
internal sealed record ActionStep(string Text, bool Governed) : PlanStep(Text);

/// <summary>A human gate ("ask a pharmacist to approve", "needs two approvals").</summary>
internal sealed record ApprovalStep(string Text, string? Role, int RequiredApprovals, int? ExpiresAfterSeconds) : PlanStep(Text);

/// <summary>A durable wait ("wait 2 hours").</summary>
internal sealed record WaitStep(string Text, int Seconds) : PlanStep(Text);

/// <summary>The run's answer ("reply with the new stock"); <see cref="What"/> is the text after "with".</summary>
internal sealed record ReplyStep(string Text, string What, int? Status) : PlanStep(Text);

/// <summary>Stop the run as failed ("fail with 'out of stock'").</summary>
internal sealed record FailStep(string Text, string Message) : PlanStep(Text);

/// <summary>
/// A condition and its branches. <see cref="PlanCondition.Outcome"/> set means the condition is about how the
/// previous gate or action ended (approved, rejected, expired, error), which is a handle rather than a node.
/// </summary>
internal sealed record BranchStep(string Text, PlanCondition Condition, IReadOnlyList<PlanStep> Then, IReadOnlyList<PlanStep> Else) : PlanStep(Text);

/// <summary>"if …": the words of the condition, whether it was negated ("unless"), and the outcome it names, if any.</summary>
internal sealed record PlanCondition(string Text, bool Negated, string? Outcome);

/// <summary>A bounded loop: do <see cref="Body"/> until the condition holds, at most <see cref="MaxIterations"/> times.</summary>
internal sealed record LoopStep(string Text, ActionStep Body, PlanCondition Until, int MaxIterations, int? WaitSeconds) : PlanStep(Text);

/// <summary>What the clause parser read: the trigger, the steps, and the quoted values and URLs it set aside.</summary>
internal sealed record ParsedRequest(PlanTrigger Trigger, IReadOnlyList<PlanStep> Steps, PromptValues Values);

/// <summary>
/// Quoted values and URLs of a request, replaced in the text by placeholders (<c>«q0»</c>, <c>«u0»</c>) so that
/// splitting at commas and dots never cuts inside them.
/// </summary>
internal sealed record PromptValues(IReadOnlyList<string> Quotes, IReadOnlyList<string> Urls);
