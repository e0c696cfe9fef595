using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Tests.Graphs;

public sealed class NodeTypeCatalogTests
{
    private static readonly HashSet<string> SubsetKeywords =
        ["type", "required", "properties", "items", "enum", "minimum", "maximum", "pattern", "additionalProperties", "default", "description", "x-cel"];

    [Fact]
    public void BuiltIn_DeclaresEveryTypeTheDesignNames()
    {
        Assert.Equal(
            ["trigger.manual", "trigger.webhook", "trigger.schedule", "trigger.mcp", "mcp.tool", "transform", "condition", "switch", "merge", "delay",
             "approval", "governed.action", "rules", "subworkflow", "http.request", "llm", "respond", "fail"],
            NodeTypeCatalog.BuiltIn.Types.Select(t => t.Type));
    }

    [Fact]
    public void BuiltIn_TriggersHaveNoInputsAndOtherTypesTakeIn()
    {
        foreach (var type in NodeTypeCatalog.BuiltIn.Types)
        {
            Assert.Equal(type.Category == NodeCategory.Trigger ? [] : ["in"], type.InputHandles);
            Assert.True(type.DeclaresOutput("error", null), type.Type);
            Assert.DoesNotContain("error", type.OutputHandles);
        }
    }

    [Theory]
    [InlineData("condition", new[] { "true", "false" })]
    [InlineData("approval", new[] { "approved", "rejected", "expired" })]
    [InlineData("transform", new[] { "success" })]
    [InlineData("fail", new string[0])]
    public void OutcomesFor_WhenTypeIsStatic_ReturnsItsOutcomes(string type, string[] outcomes)
    {
        Assert.True(NodeTypeCatalog.BuiltIn.TryGet(type, out var descriptor));

        Assert.Equal(outcomes, descriptor.OutcomesFor([]));
    }

    [Fact]
    public void OutcomesFor_WhenTypeIsRules_ReturnsRouteNamesThenMatchedAndUnmatched()
    {
        Assert.True(NodeTypeCatalog.BuiltIn.TryGet("rules", out var rules));
        var config = new System.Text.Json.Nodes.JsonObject { ["ruleSetId"] = "r", ["routes"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "urgent" }) };

        Assert.Equal(["urgent", "matched", "unmatched"], rules.OutcomesFor(config));
    }

    [Fact]
    public void OutcomesFor_WhenTypeIsSwitch_ReturnsCaseNamesThenDefault()
    {
        NodeTypeCatalog.BuiltIn.TryGet("switch", out var descriptor);
        var config = JsonNode.Parse("""{ "cases": [ { "name": "hi", "when": "a" }, { "name": "lo", "when": "b" }, { "name": "hi", "when": "c" }, { "when": "d" } ] }""")!.AsObject();

        Assert.Equal(["hi", "lo", "default"], descriptor!.OutcomesFor(config));
        Assert.Equal(["default"], descriptor.OutcomesFor(null));
    }

    [Fact]
    public void BuiltIn_SchemasAreObjectsUsingOnlyTheSubsetKeywords()
    {
        foreach (var type in NodeTypeCatalog.BuiltIn.Types)
        {
            Assert.Equal("object", type.ConfigSchema["type"]!.GetValue<string>());
            AssertSubset(type.Type, type.ConfigSchema);
        }
    }

    [Theory]
    [InlineData("transform", "/expression", "expression")]
    [InlineData("condition", "/expression", "expression")]
    [InlineData("http.request", "/url", "template")]
    [InlineData("llm", "/prompt", "template")]
    [InlineData("fail", "/message", "template")]
    public void BuiltIn_CelFieldsAreAnnotated(string type, string property, string kind)
    {
        NodeTypeCatalog.BuiltIn.TryGet(type, out var descriptor);

        Assert.Equal(kind, descriptor!.ConfigSchema["properties"]![property[1..]]!["x-cel"]!.GetValue<string>());
    }

    [Fact]
    public void BuiltIn_ExecutorOnlyFields_AreDeclaredWithTheirCelKind()
    {
        NodeTypeCatalog.BuiltIn.TryGet("transform", out var transform);
        NodeTypeCatalog.BuiltIn.TryGet("http.request", out var http);

        Assert.Equal("template", transform!.ConfigSchema["properties"]!["mapping"]!["additionalProperties"]!["x-cel"]!.GetValue<string>());
        Assert.Null(transform.ConfigSchema["required"]);
        Assert.Equal("integer", http!.ConfigSchema["properties"]!["expectedStatuses"]!["items"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void BuiltIn_SideEffectsAndDefaultsMatchWhatEachTypeDoes()
    {
        var catalog = NodeTypeCatalog.BuiltIn;
        var sideEffects = catalog.Types.Where(t => t.HasSideEffects).Select(t => t.Type).ToList();

        Assert.Equal(["mcp.tool", "governed.action", "subworkflow", "http.request"], sideEffects);
        Assert.True(catalog.TryGet("governed.action", out var governed));
        Assert.Equal(UnknownOutcomePolicy.Ask, governed.DefaultUnknownOutcome);
        Assert.True(catalog.TryGet("http.request", out var http));
        Assert.Equal((3, TimeSpan.FromSeconds(30)), (http.DefaultRetry.MaxAttempts, http.DefaultTimeout!.Value));
        Assert.True(catalog.TryGet("approval", out var approval));
        Assert.Null(approval.DefaultTimeout);
        Assert.False(catalog.TryGet("nope", out _));
    }

    [Fact]
    public void ToJson_DescribesEveryTypeForTheApi()
    {
        var json = NodeTypeCatalog.BuiltIn.ToJson();

        Assert.Equal(18, json.Count);
        var sw = json.Single(t => t!["type"]!.GetValue<string>() == "switch")!;
        Assert.Equal("logic", sw["category"]!.GetValue<string>());
        Assert.Equal("cases", sw["dynamicOutputs"]!["arrayProperty"]!.GetValue<string>());
        Assert.Equal("error", sw["errorHandle"]!.GetValue<string>());
        Assert.NotNull(sw["configSchema"]!["properties"]!["cases"]);
    }

    private static void AssertSubset(string type, JsonObject schema)
    {
        foreach (var (keyword, value) in schema)
        {
            Assert.True(SubsetKeywords.Contains(keyword), $"{type}: keyword '{keyword}'");
            switch (keyword)
            {
                case "properties":
                    foreach (var (_, child) in value!.AsObject())
                    {
                        AssertSubset(type, child!.AsObject());
                    }

                    break;
                case "items" or "additionalProperties" when value is JsonObject child:
                    AssertSubset(type, child);
                    break;
            }
        }
    }
}
