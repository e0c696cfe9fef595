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

    [Fact]
    public void Validate_WhenRefHasSiblingKeywords_AppliesBoth()
    {
        const string schema = """{"$defs":{"code":{"type":"string","pattern":"^[A-Z]+$"}},"$ref":"#/$defs/code","maxLength":3}""";

        Assert.Empty(Validate(schema, "\"ABC\""));
        AssertSingle(Validate(schema, "\"ABCD\""), "", "maxLength");
        AssertSingle(Validate(schema, "\"ab\""), "", "pattern");
    }

    [Fact]
    public void Validate_WhenAnchorReferenced_ResolvesIt() =>
        AssertSingle(
            Validate("""{"$defs":{"n":{"$anchor":"count","type":"integer"}},"properties":{"c":{"$ref":"#count"}}}""", """{"c":"x"}"""),
            "/c",
            "type");

    [Fact]
    public void Validate_WhenCombinatorFailsInsideAProperty_ReportsItOnceAtThatProperty()
    {
        const string schema = """
        {"properties":{"target":{"oneOf":[{"type":"string","format":"uri"},{"type":"object","required":["id"]}]},
                       "amount":{"anyOf":[{"type":"integer","minimum":1},{"const":"all"}]}}}
        """;

        Assert.Empty(Validate(schema, """{"target":{"id":1},"amount":"all"}"""));
        Assert.Equal(
            [("/target", "oneOf"), ("/amount", "anyOf")],
            Validate(schema, """{"target":{"name":"x"},"amount":0}""").Select(v => (v.Pointer, v.Keyword)));
    }

    [Fact]
    public void Validate_WhenPatternPropertiesMatch_AppliesTheirSchemaAtEachMatchingProperty()
    {
        var violations = Validate(
            """{"patternProperties":{"^x-":{"type":"boolean"},"^n_":{"minimum":0}},"additionalProperties":false}""",
            """{"x-a":true,"x-b":"no","n_1":-1,"other":1}""");

        Assert.Equal(
            [("/x-b", "type"), ("/n_1", "minimum"), ("/other", "additionalProperties")],
            violations.Select(v => (v.Pointer, v.Keyword)).OrderBy(v => v.Item2 == "additionalProperties").ThenBy(v => v.Item2 == "minimum"));
    }

    [Fact]
    public void Validate_WhenUnevaluatedPropertiesFalse_RefusesWhatNoBranchDeclared() =>
        AssertSingle(
            Validate("""{"allOf":[{"properties":{"a":{}}}],"properties":{"b":{}},"unevaluatedProperties":false}""", """{"a":1,"b":2,"c":3}"""),
            "/c",
            "unevaluatedProperties");

    [Fact]
    public void Validate_WhenConditionalAndDependentRules_ReportTheRuleThatApplies()
    {
        const string conditional = """{"if":{"properties":{"kind":{"const":"card"}}},"then":{"required":["last4"]},"else":{"required":["iban"]}}""";

        AssertSingle(Validate(conditional, """{"kind":"card"}"""), "/last4", "required");
        AssertSingle(Validate(conditional, """{"kind":"bank"}"""), "/iban", "required");
        AssertSingle(Validate("""{"dependentRequired":{"card":["cvc"]}}""", """{"card":"x"}"""), "", "dependentRequired");
        AssertSingle(Validate("""{"propertyNames":{"maxLength":3}}""", """{"long":1}"""), "/long", "maxLength");
    }

    [Fact]
    public void Validate_WhenPrefixItemsAndItemsSchema_ChecksTheRestAgainstItemsAtTheirOwnIndex()
    {
        AssertSingle(Validate("""{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}""", """["a",1,"b"]"""), "/2", "type");
        Assert.Equal(
            ["/1", "/3/n", "/5"],
            Validate("""{"prefixItems":[{"type":"string"},{"type":"string"}],"items":{"type":["integer","object"],"properties":{"n":{"type":"integer"}}}}""",
                """["a",2,1,{"n":"x"},2,"d"]""").Select(v => v.Pointer));
    }

    [Fact]
    public void Validate_WhenFormatIsUnknownOrUnmet_TreatsItAsAnAnnotation() =>
        Assert.Empty(Validate("""{"properties":{"at":{"type":"string","format":"date-time"},"x":{"format":"no-such-format"}}}""", """{"at":"yesterday","x":"y"}"""));

    [Fact]
    public void Validate_WhenDraft07SchemaUsesDefinitions_ResolvesThem() =>
        AssertSingle(
            Validate("""{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"p":{"type":"integer"}},"properties":{"n":{"$ref":"#/definitions/p"}}}""", """{"n":1.5}"""),
            "/n",
            "type");

    [Fact]
    public void Validate_WhenSchemaIsNotJsonSchema_ReportsTheSchemaNotTheValue()
    {
        var violation = Assert.Single(Validate("""{"type":"object","properties":{"a":{"minLength":"three"}}}""", """{"a":"x"}"""));

        Assert.Equal("", violation.Pointer);
        Assert.Equal("$schema", violation.Keyword);
    }

    [Fact]
    public void Validate_WhenNumericValueIsSecretLike_MessagesDoNotEchoIt()
    {
        var violations = Validate(
            """{"properties":{"pin":{"type":"string","minimum":999999999}},"required":["pin"]}""",
            """{"pin":123456789}""");

        Assert.Equal(["/pin must be of type string", "/pin must be at least 999999999"], violations.Select(v => v.Message));
        Assert.All(Validate("""{"minimum":999999999}""", "123456789"), v => Assert.DoesNotContain("123456789", v.Message, StringComparison.Ordinal));
    }
}
