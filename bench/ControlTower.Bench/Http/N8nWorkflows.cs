using System.Text.Json.Nodes;

namespace ControlTower.Bench.Http;

/// <summary>
/// The n8n-native twins of the bench's Control Tower workflows: a Webhook node answering through a "Respond to Webhook"
/// node, and between them 1 or 10 Set nodes (no Code node), each computing <c>v</c> from the previous one exactly as our
/// <c>transform</c> nodes do (<c>v = body.n + 1</c>, then <c>v = v + 1</c>); the reply is <c>{ v }</c>.
/// </summary>
internal static class N8nWorkflows
{
    /// <summary>n8n workflow ids are 16 characters.</summary>
    public static string Id(int transforms) => $"CtBenchChain{transforms:0000}";

    public static string Path(int transforms) => $"ct-bench-chain{transforms}";

    public static JsonObject Workflow(int transforms)
    {
        var nodes = new JsonArray { Webhook(transforms) };
        var connections = new JsonObject();
        var previous = "hook";
        for (var i = 1; i <= transforms; i++)
        {
            var value = i == 1 ? "={{ $json.body.n + 1 }}" : "={{ $json.v + 1 }}";
            nodes.Add(Set($"t{i}", value, i));
            connections[previous] = Connection($"t{i}");
            previous = $"t{i}";
        }

        nodes.Add(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["name"] = "reply",
            ["type"] = "n8n-nodes-base.respondToWebhook",
            ["typeVersion"] = 1.1,
            ["position"] = Position(transforms + 1),
            ["parameters"] = new JsonObject { ["respondWith"] = "json", ["responseBody"] = "={{ { v: $json.v } }}", ["options"] = new JsonObject() },
        });
        connections[previous] = Connection("reply");
        return new JsonObject
        {
            ["id"] = Id(transforms),
            ["name"] = $"webhook → {transforms} transforms → respond",
            ["active"] = false,
            ["nodes"] = nodes,
            ["connections"] = connections,
            ["settings"] = new JsonObject { ["executionOrder"] = "v1" },
            ["pinData"] = new JsonObject(),
        };
    }

    private static JsonObject Webhook(int transforms) => new()
    {
        ["id"] = Guid.NewGuid().ToString(),
        ["name"] = "hook",
        ["type"] = "n8n-nodes-base.webhook",
        ["typeVersion"] = 2,
        ["position"] = Position(0),
        ["webhookId"] = Guid.NewGuid().ToString(),
        ["parameters"] = new JsonObject
        {
            ["httpMethod"] = "POST",
            ["path"] = Path(transforms),
            ["responseMode"] = "responseNode",
            ["options"] = new JsonObject(),
        },
    };

    private static JsonObject Set(string name, string value, int index) => new()
    {
        ["id"] = Guid.NewGuid().ToString(),
        ["name"] = name,
        ["type"] = "n8n-nodes-base.set",
        ["typeVersion"] = 3.4,
        ["position"] = Position(index),
        ["parameters"] = new JsonObject
        {
            ["assignments"] = new JsonObject
            {
                ["assignments"] = new JsonArray { new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["name"] = "v", ["value"] = value, ["type"] = "number" } },
            },
            ["options"] = new JsonObject(),
        },
    };

    private static JsonObject Connection(string target) =>
        new() { ["main"] = new JsonArray { new JsonArray { new JsonObject { ["node"] = target, ["type"] = "main", ["index"] = 0 } } } };

    private static JsonArray Position(int index) => [index * 220, 0];
}
