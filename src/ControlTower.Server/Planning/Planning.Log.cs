using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Planning;

/// <summary>Log messages of the planner: planner, model, rounds and counts only; never the request's words or the graph.</summary>
internal static partial class PlanningLog
{
    [LoggerMessage(EventId = 5610, Level = LogLevel.Information, Message = "llm planner ({Model}) drafted {Nodes} nodes after {Repairs} repair round(s)")]
    public static partial void Planned(this ILogger logger, string model, int repairs, int nodes);

    [LoggerMessage(EventId = 5611, Level = LogLevel.Information, Message = "llm planner ({Model}) round {Round} rejected: {Problems} problem(s) fed back")]
    public static partial void RoundRejected(this ILogger logger, string model, int round, int problems);

    [LoggerMessage(EventId = 5612, Level = LogLevel.Warning, Message = "llm planner failed with {Code}; the offline planner drafts instead")]
    public static partial void LlmFailed(this ILogger logger, string code);

    [LoggerMessage(EventId = 5613, Level = LogLevel.Information, Message = "{Planner} draft: {Nodes} nodes, {Problems} problem(s), {ElapsedMs:0.0} ms")]
    public static partial void Drafted(this ILogger logger, string planner, int nodes, int problems, double elapsedMs);

    [LoggerMessage(EventId = 5614, Level = LogLevel.Warning, Message = "{Planner} planner returned a graph that failed the final validation ({Problems} problem(s)); it was withheld")]
    public static partial void DraftWithheld(this ILogger logger, string planner, int problems);
}
