using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Planning;

/// <summary>Settings of the planner (plain language → workflow draft). The LLM endpoint itself is the llm node's (<c>LLM_*</c>).</summary>
internal sealed class PlannerOptions
{
    /// <summary>
    /// Which planner answers: <c>auto</c> (the LLM planner when <c>LLM_BASE_URL</c> is set, else the offline planner),
    /// <c>offline</c> (never call a model) or <c>llm</c> (the LLM planner; without <c>LLM_BASE_URL</c> drafts fall back to offline with a problem).
    /// </summary>
    [ConfigurationKeyName("PLANNER_MODE")]
    [RegularExpression("^(auto|offline|llm)$")]
    public string Mode { get; set; } = "auto";

    /// <summary>The model the LLM planner asks.</summary>
    [ConfigurationKeyName("PLANNER_MODEL")]
    [Required]
    [MinLength(1)]
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>Longest request in characters; a longer one is 400 <c>planner.prompt_too_long</c>.</summary>
    [ConfigurationKeyName("PLANNER_MAX_PROMPT_CHARS")]
    [Range(10, 100_000)]
    public int MaxPromptChars { get; set; } = 4000;

    /// <summary>How many times the LLM planner feeds the validator's problems back before giving up.</summary>
    [ConfigurationKeyName("PLANNER_REPAIR_ROUNDS")]
    [Range(0, 10)]
    public int RepairRounds { get; set; } = 3;

    /// <summary>How many MCP tools (the most relevant to the request) the LLM planner's prompt carries.</summary>
    [ConfigurationKeyName("PLANNER_PROMPT_TOOLS")]
    [Range(1, 500)]
    public int PromptTools { get; set; } = 25;

    public bool UsesLlm(bool llmConfigured) => Mode switch
    {
        "offline" => false,
        "llm" => true,
        _ => llmConfigured,
    };
}
