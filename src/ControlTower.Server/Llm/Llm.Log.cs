using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Llm;

/// <summary>Log messages of the llm node: model, status, tokens, durations and codes only; never prompts, completions or keys.</summary>
internal static partial class LlmLog
{
    [LoggerMessage(EventId = 5400, Level = LogLevel.Information, Message = "llm {Model} finished ({FinishReason}) in {ElapsedMs:0.0} ms: {PromptTokens} prompt + {CompletionTokens} completion tokens")]
    public static partial void Completed(this ILogger logger, string model, string? finishReason, double elapsedMs, int promptTokens, int completionTokens);

    [LoggerMessage(EventId = 5401, Level = LogLevel.Warning, Message = "llm {Model} failed with {Code} (status {Status}) after {ElapsedMs:0.0} ms")]
    public static partial void Failed(this ILogger logger, string model, string code, int? status, double elapsedMs);
}
