using System.Text.Json.Nodes;
using ControlTower.Core.Schemas;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Schemas;

public sealed class JsonSchemaValidatorTests
{
    private static IReadOnlyList<SchemaViolation> Validate(string schema, string? instance) =>
        JsonSchemaValidator.Validate(JsonNode.Parse(schema)!, instance is null ? null : JsonNode.Parse(instance));

    private static void AssertSingle(IReadOnlyList<SchemaViolation> violations, string pointer, string keyword)
    {
        var violation = Assert.Single(violations);
        Assert.Equal(pointer, violation.Pointer);
        Assert.Equal(keyword, violation.Keyword);
    }

    [Theory]
    [InlineData("""{"type":"string"}""", "\"x\"")]
    [InlineData("""{"type":"integer"}""", "3")]
    [InlineData("""{"type":"integer"}""", "3.0")]
    [InlineData("""{"type":"number"}""", "3.5")]
    [InlineData("""{"type":["string","null"]}""", "null")]
    [InlineData("""{"type":"boolean"}""", "false")]
    [InlineData("""{"type":"array"}""", "[]")]
    [InlineData("""{"type":"object"}""", "{}")]
    public void Validate_WhenTypeMatches_ReturnsNoViolation(string schema, string instance) =>
        Assert.Empty(Validate(schema, instance));

    [Theory]
    [InlineData("""{"type":"integer"}""", "3.5")]
    [InlineData("""{"type":"string"}""", "1")]
    [InlineData("""{"type":["string","null"]}""", "true")]
    [InlineData("""{"type":"object"}""", "[]")]
    [InlineData("""{"type":"null"}""", "0")]
    public void Validate_WhenTypeDiffers_ReportsTypeAtRoot(string schema, string instance) =>
        AssertSingle(Validate(schema, instance), "", "type");

    [Fact]
    public void Validate_WhenSeveralRulesFail_ReturnsEveryViolationWithPointers()
    {
        const string schema = """
        {"type":"object","required":["a","b","c"],"additionalProperties":false,
         "properties":{"a":{"type":"number","minimum":0},"b":{"type":"array","items":{"type":"string","maxLength":2}},"c":{}}}
        """;
        var violations = Validate(schema, """{"a":-1,"b":["ok","toolong",3],"x~/y":1}""");

        Assert.Equal(
            new[] { ("/c", "required"), ("/a", "minimum"), ("/b/1", "maxLength"), ("/b/2", "type"), ("/x~0~1y", "additionalProperties") },
            violations.Select(v => (v.Pointer, v.Keyword)).ToArray());
    }

    [Fact]
    public void Validate_WhenValueIsSecretLike_MessageDoesNotEchoIt()
    {
        const string secret = "sk-live-0123456789abcdefSECRET";
        var violations = Validate(
            """{"type":"object","properties":{"token":{"type":"string","maxLength":5,"pattern":"^[0-9]+$","enum":["a"]}}}""",
            $$"""{"token":"{{secret}}"}""");

        Assert.Equal(3, violations.Count);
        Assert.All(violations, v => Assert.DoesNotContain(secret, v.Message, StringComparison.Ordinal));
        Assert.All(violations, v => Assert.StartsWith("/token ", v.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"minimum":1}""", "1", null)]
    [InlineData("""{"minimum":1}""", "0.5", "minimum")]
    [InlineData("""{"maximum":1}""", "2", "maximum")]
    [InlineData("""{"exclusiveMinimum":1}""", "1", "exclusiveMinimum")]
    [InlineData("""{"exclusiveMaximum":1}""", "0.99", null)]
    [InlineData("""{"exclusiveMaximum":1}""", "1", "exclusiveMaximum")]
    [InlineData("""{"minimum":1,"exclusiveMinimum":true}""", "1", "exclusiveMinimum")]
    [InlineData("""{"maximum":1,"exclusiveMaximum":true}""", "0", null)]
    [InlineData("""{"multipleOf":0.1}""", "0.3", null)]
    [InlineData("""{"multipleOf":2}""", "3", "multipleOf")]
    [InlineData("""{"minLength":2}""", "\"a\"", "minLength")]
    [InlineData("""{"maxLength":1}""", "\"😀\"", null)]
    [InlineData("""{"minItems":1}""", "[]", "minItems")]
    [InlineData("""{"maxItems":1}""", "[1,2]", "maxItems")]
    [InlineData("""{"uniqueItems":true}""", "[1,1.0]", "uniqueItems")]
    [InlineData("""{"minProperties":1}""", "{}", "minProperties")]
    [InlineData("""{"enum":[1,"a",{"k":[true]}]}""", """{"k":[true]}""", null)]
    [InlineData("""{"enum":[1,"a"]}""", "2", "enum")]
    [InlineData("""{"const":2}""", "2.0", null)]
    [InlineData("""{"const":null}""", "0", "const")]
    [InlineData("""{"pattern":"^a+$"}""", "\"aaa\"", null)]
    [InlineData("""{"pattern":"^a+$"}""", "\"ab\"", "pattern")]
    [InlineData("""{"pattern":"^(?!x)\\w+$"}""", "\"xa\"", "pattern")]
    [InlineData("""{"pattern":"(unclosed"}""", "\"a\"", "pattern")]
    [InlineData("""{"minimum":5,"minLength":1}""", "\"string ignores numeric rules\"", null)]
    public void Validate_WhenKeywordApplies_ReportsOnlyThatKeyword(string schema, string instance, string? keyword)
    {
        var violations = Validate(schema, instance);
        if (keyword is null)
        {
            Assert.Empty(violations);
        }
        else
        {
            AssertSingle(violations, "", keyword);
        }
    }

    [Theory]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"integer"}]}""", "1", null)]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"integer"}]}""", "1.5", "anyOf")]
    [InlineData("""{"oneOf":[{"type":"number"},{"type":"integer"}]}""", "1", "oneOf")]
    [InlineData("""{"oneOf":[{"type":"number"},{"type":"integer"}]}""", "1.5", null)]
    [InlineData("""{"allOf":[{"minimum":0},{"maximum":10}]}""", "11", "maximum")]
    [InlineData("""{"not":{"type":"string"}}""", "\"s\"", "not")]
    public void Validate_WhenCombinatorsUsed_EvaluatesSubschemas(string schema, string instance, string? keyword)
    {
        var violations = Validate(schema, instance);
        if (keyword is null)
        {
            Assert.Empty(violations);
        }
        else
        {
            AssertSingle(violations, "", keyword);
        }
    }

    [Fact]
    public void Validate_WhenAdditionalPropertiesIsSchema_AppliesItToUnknownPropertiesOnly()
    {
        var violations = Validate(
            """{"properties":{"known":{"type":"string"}},"patternProperties":{"^x-":{"type":"boolean"}},"additionalProperties":{"type":"integer"}}""",
            """{"known":"s","x-flag":true,"count":2,"bad":"no"}""");

        AssertSingle(violations, "/bad", "type");
    }

    [Fact]
    public void Validate_WhenTupleItems_ChecksPositionsAndRest()
    {
        const string draft7 = """{"items":[{"type":"string"},{"type":"number"}],"additionalItems":false}""";
        const string draft2020 = """{"prefixItems":[{"type":"string"},{"type":"number"}],"items":false}""";

        Assert.Empty(Validate(draft7, """["a",1]"""));
        AssertSingle(Validate(draft7, """["a",1,true]"""), "/2", "false");
        AssertSingle(Validate(draft2020, """[1,1]"""), "/0", "type");
    }

    [Fact]
    public void Validate_WhenLocalRefUsed_ResolvesDefinitions()
    {
        const string schema = """
        {"$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["name"]}},
         "$ref":"#/$defs/node"}
        """;

        Assert.Empty(Validate(schema, """{"name":"a","children":[{"name":"b","children":[]}]}"""));
        AssertSingle(Validate(schema, """{"name":"a","children":[{"children":[]}]}"""), "/children/0/name", "required");
        AssertSingle(Validate("""{"$ref":"#/definitions/missing"}""", "1"), "", "$ref");
    }

    [Fact]
    public void Validate_WhenRefIsSelfRecursiveWithoutProgress_StopsWithViolation() =>
        Assert.Contains(Validate("""{"$ref":"#"}""", "1"), v => v.Keyword == "$ref");

    [Fact]
    public void Validate_WhenSchemaIsBoolean_AcceptsOrRejectsEverything()
    {
        Assert.Empty(Validate("true", """{"any":1}"""));
        AssertSingle(Validate("false", "1"), "", "false");
    }

    [Fact]
    public void Validate_WhenUnknownKeywordsPresent_IgnoresThem() =>
        Assert.Empty(Validate("""{"type":"string","format":"email","x-ui":{"widget":"text"},"default":"a"}""", "\"not an email\""));

    [Fact]
    public void Validate_WhenSchemaIsTypicalMcpToolSchema_AcceptsValidArguments()
    {
        const string schema = """
        {"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
         "properties":{"a":{"type":"number","description":"First number"},"b":{"type":"number"}},"required":["a","b"]}
        """;

        Assert.Empty(Validate(schema, """{"a":1,"b":2.5}"""));
        Assert.Equal(["/b"], Validate(schema, """{"a":"1"}""").Where(v => v.Keyword == "required").Select(v => v.Pointer));
    }

    [Fact]
    public void Validate_WhenAnyInstance_EmptySchemaAcceptsAndFalseSchemaRejectsOnce()
    {
        var instances = ArbMap.Default.GeneratorFor<int>().Select(i => (JsonNode?)JsonValue.Create(i))
            .Or(ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => (JsonNode?)JsonValue.Create(s.Get)))
            .Or(ArbMap.Default.GeneratorFor<int[]>().Select(a => (JsonNode?)new JsonArray(a.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray())));

        Prop.ForAll(instances.ToArbitrary(), instance =>
                JsonSchemaValidator.Validate(new JsonObject(), instance).Count == 0
                && JsonSchemaValidator.Validate(JsonValue.Create(false), instance).Count == 1)
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Validate_WhenAnyIntegerArray_MinItemsViolatedExactlyWhenShorter()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), ArbMap.Default.ArbFor<byte>(), (items, min) =>
        {
            var array = new JsonArray(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
            var schema = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer" }, ["minItems"] = (int)min };
            var violations = JsonSchemaValidator.Validate(schema, array);
            return violations.Count == (items.Length < min ? 1 : 0);
        }).QuickCheckThrowOnFailure();
    }
}
