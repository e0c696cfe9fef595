using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Nodes;

namespace ControlTower.Server.Tests.Llm;

/// <summary>Scripted answers of an OpenAI-compatible provider and reads of what it received.</summary>
internal static class ChatCompletions
{
    public const string Model = "gpt-test-mini";

    public static ScriptedResponse Completion(string content, string finishReason = "stop", int promptTokens = 12, int completionTokens = 5) =>
        new(200, new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["object"] = "chat.completion",
            ["model"] = Model + "-2026",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        }.ToJsonString());

    public static ScriptedResponse Error(int status, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error" } }.ToJsonString(), Headers: headers);

    /// <summary>The JSON body of a recorded request.</summary>
    public static JsonObject Body(JsonObject request) => JsonNode.Parse(request["body"]!.GetValue<string>())!.AsObject();

    public static string Header(JsonObject request, string name) => request["headers"]![name.ToLowerInvariant()]?.GetValue<string>() ?? "";
}
