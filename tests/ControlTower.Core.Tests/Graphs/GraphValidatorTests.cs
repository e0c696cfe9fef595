using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Tests.Graphs;

public sealed class GraphValidatorTests
{
    /// <summary>A stand-in for the JSON Schema validator: checks <c>required</c> and integer <c>minimum</c> of top-level properties.</summary>
    private static IEnumerable<(string, string)> RequiredAndMinimum(JsonObject schema, JsonNode? value)
    {
        var obj = value as JsonObject ?? [];
        foreach (var name in (schema["required"] as JsonArray ?? []).Select(n => n!.GetValue<string>()))
        {
            if (!obj.ContainsKey(name))
            {
                yield return ("", $"'{name}' is required");
            }
        }

        foreach (var (name, child) in obj)
        {
            if (schema["properties"]?[name]?["minimum"] is JsonValue min && child is JsonValue v && v.TryGetValue<int>(out var n) && n < min.GetValue<int>())
            {
                yield return ($"/{name}", $"must be at least {min}");
            }
        }
    }

    /// <summary>A stand-in for the CEL checker: unbalanced parentheses do not parse; templates must not be empty.</summary>
    private static string? Parens(string source, bool isTemplate) =>
        isTemplate && source.Length == 0 ? "empty template"
        : source.Count(c => c == '(') != source.Count(c => c == ')') ? $"unbalanced parentheses in '{source}'"
        : null;

    private static readonly GraphValidationHooks Hooks = new(RequiredAndMinimum, Parens);

    private static IReadOnlyList<GraphProblem> Validate(string json, GraphLimits? limits = null) =>
        GraphValidator.Validate(WorkflowGraph.Parse(json), NodeTypeCatalog.BuiltIn, limits ?? GraphLimits.Default, Hooks);

    private static string Graph(string nodes, string edges, string version = "\"version\": \"1.0\",") =>
        $$"""{ {{version}} "nodes": [{{nodes}}], "edges": [{{edges}}] }""";

    private const string Start = """{ "id": "start", "type": "trigger.manual" }""";

    private static string Transform(string id, string expression = "input") => $$"""{ "id": "{{id}}", "type": "transform", "config": { "expression": "{{expression}}" } }""";

    private static string Edge(string source, string target, string handle = "success", string extra = "") =>
        $$"""{ "source": "{{source}}", "target": "{{target}}", "sourceHandle": "{{handle}}" {{extra}} }""";

    [Fact]
    public void Validate_WhenGraphIsSound_ReturnsNoProblems()
    {
        var json = Graph(
            $$"""{{Start}}, {{Transform("a")}}, { "id": "s", "type": "switch", "config": { "cases": [ { "name": "big", "when": "nodes.a.output > 3" } ] } }, """ +
                $$"""{ "id": "big", "type": "http.request", "config": { "url": "https://x/{{"{{"}}input.id{{"}}"}}", "headers": { "a/b": "v" } }, "retry": { "maxAttempts": 5 } }, """ +
                $$"""{ "id": "m", "type": "merge", "config": { "mode": "any" } }, { "id": "oops", "type": "fail", "config": { "code": "x.failed", "message": "no" } }""",
            $"""{Edge("start", "a")}, {Edge("a", "s")}, {Edge("s", "big", "big")}, {Edge("s", "m", "default")}, {Edge("big", "m")}, {Edge("big", "oops", "error")}""");

        Assert.Empty(Validate(json));
    }

    [Theory]
    [InlineData("", GraphProblemCodes.VersionMissing)]
    [InlineData("\"version\": \"2.0\",", GraphProblemCodes.VersionUnsupported)]
    [InlineData("\"version\": \"1\",", GraphProblemCodes.VersionUnsupported)]
    public void Validate_WhenVersionIsMissingOrUnknown_ReportsItAtVersion(string version, string code)
    {
        var problems = Validate(Graph(Start, "", version));

        Assert.Equal([new GraphProblem(code, "/version", problems[0].Message)], problems);
    }

    [Fact]
    public void Validate_WhenNodeTypeIsUnknown_ReportsItsTypePointer()
    {
        var problems = Validate(Graph($$"""{{Start}}, { "id": "a", "type": "teleport" }""", Edge("start", "a")));

        Assert.Equal((GraphProblemCodes.NodeTypeUnknown, "/nodes/1/type"), (problems.Single().Code, problems.Single().JsonPointer));
    }

    [Fact]
    public void Validate_WhenNodeIdRepeatsOrIsMalformed_ReportsEachId()
    {
        var problems = Validate(Graph($"""{Start}, {Transform("a")}, {Transform("a")}, {Transform("b:c")}""", $"""{Edge("start", "a")}, {Edge("a", "b:c")}"""));

        Assert.Contains(new GraphProblem(GraphProblemCodes.NodeIdDuplicate, "/nodes/2/id", "Node id 'a' is already used by /nodes/1."), problems);
        Assert.Contains(problems, p => p is { Code: GraphProblemCodes.NodeIdInvalid, JsonPointer: "/nodes/3/id" });
    }

    [Fact]
    public void Validate_WhenEdgeEndsAreMissing_ReportsSourceAndTargetPointers()
    {
        var problems = Validate(Graph($"""{Start}, {Transform("a")}""", $"""{Edge("start", "a")}, {Edge("ghost", "a")}, {Edge("a", "nowhere")}"""));

        Assert.Equal(["/edges/1/source", "/edges/2/target"], problems.Where(p => p.Code == GraphProblemCodes.EdgeDangling).Select(p => p.JsonPointer));
    }

    [Fact]
    public void Validate_WhenHandlesAreNotDeclared_ReportsSourceAndTargetHandles()
    {
        var problems = Validate(Graph(
            $$"""{{Start}}, { "id": "c", "type": "condition", "config": { "expression": "true" } }, {{Transform("a")}}""",
            $$"""{{Edge("start", "c")}}, {{Edge("c", "a", "maybe")}}, {{Edge("c", "a", "true")}}, """ +
                $$"""{ "source": "a", "target": "start" }, { "source": "c", "target": "a", "sourceHandle": "false", "targetHandle": "side" }"""));

        Assert.Equal(
            ["/edges/1/sourceHandle", "/edges/3/targetHandle", "/edges/4/targetHandle"],
            problems.Where(p => p.Code == GraphProblemCodes.HandleUnknown).Select(p => p.JsonPointer));
        Assert.Contains("true, false, error", problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenSwitchEdgeNamesACaseOrDefaultOrError_AcceptsItAndRejectsOthers()
    {
        var problems = Validate(Graph(
            $$"""{{Start}}, { "id": "s", "type": "switch", "config": { "cases": [ { "name": "rush", "when": "true" } ] } }, {{Transform("a")}}, """ +
                $$"""{{Transform("b")}}, {{Transform("c")}}, {{Transform("d")}}""",
            $"""{Edge("start", "s")}, {Edge("s", "a", "rush")}, {Edge("s", "b", "default")}, {Edge("s", "c", "error")}, {Edge("s", "d", "slow")}"""));

        var problem = Assert.Single(problems);
        Assert.Equal((GraphProblemCodes.HandleUnknown, "/edges/4/sourceHandle"), (problem.Code, problem.JsonPointer));
    }

    [Fact]
    public void Validate_WhenConfigFailsItsSchema_ReportsPointersInsideTheConfig()
    {
        var problems = Validate(Graph(
            $$"""{{Start}}, { "id": "a", "type": "condition", "config": {} }, { "id": "d", "type": "delay", "config": { "seconds": -1 } }""",
            $"""{Edge("start", "a")}, {Edge("a", "d", "true")}"""));

        Assert.Equal(
            [("/nodes/1/config", "'expression' is required"), ("/nodes/2/config/seconds", "must be at least 0")],
            problems.Select(p => (p.JsonPointer, p.Message)));
        Assert.All(problems, p => Assert.Equal(GraphProblemCodes.ConfigInvalid, p.Code));
    }

    [Fact]
    public void Validate_WhenRetryTimeoutOrRunSettingsAreOutOfRange_ReportsConfigInvalid()
    {
        var json = $$"""
            { "version": "1.0", "config": { "stepBudget": 0, "maxParallelNodes": "many" },
              "nodes": [ {{Start}}, { "id": "a", "type": "transform", "config": { "expression": "1" }, "retry": { "maxAttempts": 0, "jitter": 2 }, "timeoutMs": 0 } ],
              "edges": [ {{Edge("start", "a")}} ] }
            """;

        var problems = Validate(json);

        Assert.Equal(
            ["/config/stepBudget", "/config/maxParallelNodes", "/nodes/1/retry/maxAttempts", "/nodes/1/retry/jitter", "/nodes/1/timeoutMs"],
            problems.Select(p => p.JsonPointer));
        Assert.All(problems, p => Assert.Equal(GraphProblemCodes.ConfigInvalid, p.Code));
    }

    [Theory]
    [InlineData("\"sometimes\"", 1)]
    [InlineData("1", 1)]
    [InlineData("\"step\"", 0)]
    [InlineData("\"checkpoint\"", 0)]
    public void Validate_WhenDurabilityIsSet_AcceptsOnlyStepOrCheckpoint(string durability, int problemCount)
    {
        var json = $$"""
            { "version": "1.0", "config": { "durability": {{durability}} },
              "nodes": [ {{Start}}, { "id": "a", "type": "transform", "config": { "expression": "1" } } ],
              "edges": [ {{Edge("start", "a")}} ] }
            """;

        var problems = Validate(json);

        Assert.Equal(problemCount, problems.Count);
        Assert.All(problems, p => Assert.Equal(("/config/durability", GraphProblemCodes.ConfigInvalid), (p.JsonPointer, p.Code)));
    }

    [Fact]
    public void Validate_WhenExpressionsDoNotParse_ReportsEachExpressionPointer()
    {
        var problems = Validate(Graph(
            $$"""{{Start}}, {{Transform("a", "size(input")}}, { "id": "s", "type": "switch", "config": { "cases": [ { "name": "x", "when": "true" }, { "name": "y", "when": "f((1)" } ] } }, """ +
                $$"""{ "id": "h", "type": "http.request", "config": { "url": "", "headers": { "a/b~c": "(" } } }""",
            $"""{Edge("start", "a")}, {Edge("a", "s")}, {Edge("s", "h", "x")}"""));

        Assert.Equal(
            ["/nodes/1/config/expression", "/nodes/2/config/cases/1/when", "/nodes/3/config/url", "/nodes/3/config/headers/a~1b~0c"],
            problems.Select(p => p.JsonPointer));
        Assert.All(problems, p => Assert.Equal(GraphProblemCodes.ExpressionInvalid, p.Code));
        Assert.Equal("empty template", problems[2].Message);
    }

    [Fact]
    public void CelFields_WhenSchemaMarksTemplatesAndExpressions_PassesTheRightKind()
    {
        var schema = NodeTypeCatalog.BuiltIn.Types.Single(t => t.Type == "approval").ConfigSchema;
        var config = JsonNode.Parse("""{ "title": "Refill {{ input.rx }}", "evidence": "input", "requiredApprovals": 2 }""")!.AsObject();

        var fields = GraphValidator.CelFields(schema, config, "/c").ToList();

        Assert.Equal([("/c/title", "Refill {{ input.rx }}", true), ("/c/evidence", "input", false)], fields);
    }

    [Fact]
    public void Validate_WhenANodeCannotBeReached_ReportsTheNode()
    {
        var problems = Validate(Graph($"""{Start}, {Transform("a")}, {Transform("island")}, {Transform("b")}""", $"""{Edge("start", "a")}, {Edge("island", "b")}"""));

        Assert.Equal(["/nodes/2", "/nodes/3"], problems.Where(p => p.Code == GraphProblemCodes.NodeUnreachable).Select(p => p.JsonPointer));
    }

    [Fact]
    public void Validate_WhenThereIsNoTrigger_ReportsTriggerMissing()
    {
        var problems = Validate(Graph($"""{Transform("a")}, {Transform("b")}""", Edge("a", "b")));

        Assert.Equal([(GraphProblemCodes.TriggerMissing, "/nodes")], problems.Select(p => (p.Code, p.JsonPointer)));
    }

    [Fact]
    public void Validate_WhenACycleHasNoLoopBound_ReportsCycleUnbounded()
    {
        var problems = Validate(Graph($"""{Start}, {Transform("a")}, {Transform("b")}, {Transform("self")}""",
            $"""{Edge("start", "a")}, {Edge("a", "b")}, {Edge("b", "a")}, {Edge("start", "self")}, {Edge("self", "self")}"""));

        Assert.Equal(["/edges/1", "/edges/4"], problems.Where(p => p.Code == GraphProblemCodes.CycleUnbounded).Select(p => p.JsonPointer));
        Assert.Contains("a, b", problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenTheBackEdgeCarriesALoopBound_AcceptsTheCycle()
    {
        var problems = Validate(Graph(
            $$"""{{Start}}, {{Transform("a")}}, { "id": "c", "type": "condition", "config": { "expression": "true" } }, {{Transform("done")}}""",
            $$"""{{Edge("start", "a")}}, {{Edge("a", "c")}}, {{Edge("c", "a", "true", ", \"loop\": { \"maxIterations\": 10 }")}}, {{Edge("c", "done", "false")}}"""));

        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_WhenALoopBoundClosesNoCycleOrIsBelowOne_ReportsLoopInvalid()
    {
        var problems = Validate(Graph($"""{Start}, {Transform("a")}, {Transform("b")}""",
            $$"""{{Edge("start", "a")}}, {{Edge("a", "b", "success", ", \"loop\": { \"maxIterations\": 3 }")}}, """ +
                $$"""{{Edge("b", "a", "success", ", \"loop\": { \"maxIterations\": 0 }")}}, {{Edge("a", "b")}}"""));

        Assert.Equal(["/edges/1/loop", "/edges/2/loop/maxIterations"], problems.Where(p => p.Code == GraphProblemCodes.LoopInvalid).Select(p => p.JsonPointer).Order());
    }

    [Fact]
    public void Validate_WhenCountsExceedLimits_ReportsOnlySizeProblems()
    {
        var problems = Validate(Graph($"""{Transform("a")}, {Transform("b")}, {Transform("a")}""", $"""{Edge("a", "x")}, {Edge("a", "y")}""", version: ""),
            new GraphLimits(MaxNodes: 2, MaxEdges: 1));

        Assert.Equal([(GraphProblemCodes.VersionMissing, "/version"), (GraphProblemCodes.TooLarge, "/nodes"), (GraphProblemCodes.TooLarge, "/edges")],
            problems.Select(p => (p.Code, p.JsonPointer)));
    }

    [Fact]
    public void Validate_WhenConfigsExceedByteLimits_ReportsTheNodeAndTheTotal()
    {
        var big = new string('x', 300);
        var problems = Validate(Graph($"""{Start}, {Transform("a", big)}, {Transform("b", "1")}""", $"""{Edge("start", "a")}, {Edge("a", "b")}"""),
            new GraphLimits(MaxNodeConfigBytes: 200, MaxTotalConfigBytes: 250));

        Assert.Equal(["/nodes/1/config", ""], problems.Where(p => p.Code == GraphProblemCodes.TooLarge).Select(p => p.JsonPointer));
    }

    [Fact]
    public void Validate_WhenAGraphHasManyProblems_ReportsThemAllAtOnce()
    {
        var json = $$"""
            { "version": "0.9",
              "nodes": [ {{Transform("a", "(")}}, {{Transform("a")}}, { "id": "t", "type": "nope" }, { "id": "c", "type": "condition", "config": {} } ],
              "edges": [ {{Edge("a", "ghost")}}, {{Edge("a", "c", "sideways")}}, {{Edge("c", "a", "true")}} ] }
            """;

        var codes = Validate(json).Select(p => p.Code).ToHashSet();

        Assert.Equal(
            new HashSet<string>
            {
                GraphProblemCodes.VersionUnsupported, GraphProblemCodes.NodeIdDuplicate, GraphProblemCodes.NodeTypeUnknown,
                GraphProblemCodes.ConfigInvalid, GraphProblemCodes.ExpressionInvalid, GraphProblemCodes.EdgeDangling,
                GraphProblemCodes.HandleUnknown, GraphProblemCodes.TriggerMissing, GraphProblemCodes.CycleUnbounded,
            },
            codes);
    }

    [Fact]
    public void Validate_WhenHooksAreAbsent_SkipsConfigAndExpressionChecks()
    {
        var graph = WorkflowGraph.Parse(Graph($$"""{{Start}}, { "id": "a", "type": "transform", "config": { "expression": "((" } }""", Edge("start", "a")));

        Assert.Empty(GraphValidator.Validate(graph, NodeTypeCatalog.BuiltIn, GraphLimits.Default, GraphValidationHooks.None));
    }
}
