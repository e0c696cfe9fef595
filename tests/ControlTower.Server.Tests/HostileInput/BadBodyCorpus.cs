using System.Text;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>One kind of bad request body: its raw bytes and the Content-Type it is sent with (null: none).</summary>
internal sealed record BadBody(string Kind, byte[] Bytes, string? ContentType = "application/json");

/// <summary>
/// A fixed corpus of bodies no endpoint should answer with a 5xx: broken syntax, text JSON parsers treat
/// differently (duplicate keys, lone surrogates, invalid UTF-8, NUL), wrong shapes and types for the fields
/// the platform's request records use, extremes (huge numbers, deep nesting, long text) and wrong framing.
/// </summary>
internal static class BadBodyCorpus
{
    private static readonly string[] ObjectFields = ["graph", "definition", "input", "data", "arguments", "scope", "config", "env", "headers"];

    private static readonly string[] TextFields = ["name", "id", "role", "email", "expression", "decision", "action", "text", "reason", "message", "description", "comment",
        "credentialType", "transport", "nodeType", "actionType", "server", "tool", "ruleSetId", "credentialId", "mcpServerId"];

    public static IReadOnlyList<BadBody> All(long bodyLimit) =>
    [
        Json("empty body", ""),
        Json("whitespace only", "  \n\t "),
        Json("null document", "null"),
        Json("boolean document", "true"),
        Json("number document", "123"),
        Json("string document", "\"text\""),
        Json("empty array", "[]"),
        Json("array of objects", "[{}, {}]"),
        Json("empty object", "{}"),
        Json("truncated object", "{\"name\": \"x\""),
        Json("missing value", "{\"name\": }"),
        Json("trailing comma", "{\"name\": \"x\",}"),
        Json("single quotes", "{'name': 'x'}"),
        Json("unquoted key", "{name: \"x\"}"),
        Json("comment", "// note\n{\"name\": \"x\"}"),
        Json("trailing garbage", "{\"name\": \"x\"} tail"),
        Json("two documents", "{\"a\": 1}{\"b\": 2}"),
        Json("NaN literal", "{\"input\": NaN, \"version\": Infinity}"),
        Json("duplicate top-level key", "{\"name\": \"a\", \"name\": \"b\", \"id\": \"x\", \"id\": \"y\"}"),
        Json("duplicate key in object fields", Fields(ObjectFields, _ => "{\"a\": 1, \"a\": 2}")),
        Json("duplicate key deep in an array", "{\"graph\": {\"version\": \"1.0\", \"nodes\": [{\"id\": \"n\", \"id\": \"m\"}]}, \"input\": [{\"k\": 1, \"k\": 2}]}"),
        Json("lone high surrogate in text", Fields(TextFields, _ => "\"\\ud800\"")),
        Json("lone low surrogate as a key", "{\"\\udc00\": 1, \"input\": {\"\\udfff\": 2}}"),
        Json("lone surrogates in object fields", Fields(ObjectFields, _ => "{\"s\": \"a\\ud83d\"}")),
        Bytes("invalid UTF-8 byte", [.. "{\"name\": \"a"u8, 0xFF, .. "\", \"input\": {}}"u8]),
        Bytes("overlong UTF-8", [.. "{\"name\": \"a"u8, 0xC0, 0xAF, .. "\"}"u8]),
        Bytes("UTF-8 encoded surrogate", [.. "{\"input\": {\"s\": \""u8, 0xED, 0xA0, 0x80, .. "\"}}"u8]),
        Bytes("truncated UTF-8 sequence", [.. "{\"name\": \"a"u8, 0xE2, 0x82]),
        Bytes("UTF-8 byte order mark", [0xEF, 0xBB, 0xBF, .. "{}"u8]),
        Bytes("UTF-16 body", Encoding.Unicode.GetBytes("{\"name\": \"x\"}")),
        Json("NUL in text fields", Fields(TextFields, _ => "\"a\\u0000b\"")),
        Json("NUL in object fields", Fields(ObjectFields, _ => "{\"k\\u0000\": \"v\\u0000\"}")),
        Bytes("raw control character", [.. "{\"name\": \"a"u8, 0x01, .. "b\"}"u8]),
        Json("over-long text fields", Fields(TextFields, _ => $"\"{new string('x', 20_000)}\"")),
        Json("over-long key", $"{{\"{new string('k', 20_000)}\": 1}}"),
        Json("huge numbers", "{\"version\": 1e999999, \"baseVersion\": 99999999999999999999999999, \"limit\": -1e400, \"callTimeoutMs\": 1e308, \"maxConcurrentCalls\": -99999999999}"),
        Json("negative and fractional numbers", "{\"version\": -1, \"baseVersion\": 1.5, \"callTimeoutMs\": -5, \"maxConcurrentCalls\": 0.5, \"stepBudget\": -1}"),
        Json("deeply nested arrays", new string('[', 300) + new string(']', 300)),
        Json("deeply nested object field", "{\"input\": " + string.Concat(Enumerable.Repeat("{\"a\": ", 200)) + "1" + new string('}', 200) + "}"),
        Json("numbers where text is expected", Fields(TextFields, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Json("objects where text is expected", Fields(TextFields, _ => "{}")),
        Json("arrays where objects are expected", Fields(ObjectFields, _ => "[]")),
        Json("text where objects are expected", Fields(ObjectFields, _ => "\"x\"")),
        Json("nulls everywhere", Fields([.. TextFields, .. ObjectFields, "enabled", "authorized", "engaged", "userId", "workflowId", "version"], _ => "null")),
        Json("text where booleans and ids are expected", "{\"enabled\": \"yes\", \"authorized\": \"no\", \"engaged\": 1, \"template\": \"x\", " +
            "\"userId\": \"not-a-guid\", \"workflowId\": 42, \"retryIdempotentTools\": []}"),
        Json("graph of wrong shapes", "{\"name\": \"fuzz\", \"graph\": {\"version\": \"1.0\", \"nodes\": [{\"id\": 1, \"type\": [], \"config\": \"x\", \"position\": \"y\"}, null, 5], " +
            "\"edges\": [{\"source\": {}, \"target\": null}, \"e\"], \"config\": []}}"),
        Json("graph of an unknown version", "{\"name\": \"fuzz\", \"graph\": {\"version\": \"9.9\", \"nodes\": \"x\", \"edges\": {}}}"),
        Json("rule definition of wrong shapes", "{\"id\": \"fuzz-rules-x\", \"definition\": {\"hitPolicy\": 5, \"rules\": [{\"id\": [], \"condition\": {}, \"action\": \"deny\"}, null]}}"),
        Json("expression too deep", "{\"expression\": \"" + new string('(', 5000) + "1" + new string(')', 5000) + "\"}"),
        Json("expression of odd text", "{\"expression\": \"\\u2028 input.a[\\\"\\\\\\\" + ''' ${{}}\", \"template\": true}"),
        Json("large array within the limit", "{\"input\": [" + string.Join(',', Enumerable.Repeat("0", 100_000)) + "]}"),
        Json("body over the limit", "{\"input\": \"" + new string('a', (int)bodyLimit + 10) + "\"}"),
        new("JSON sent as text/plain", "{\"name\": \"x\"}"u8.ToArray(), "text/plain"),
        new("JSON without a content type", "{\"name\": \"x\"}"u8.ToArray(), null),
        new("XML", "<name>x</name>"u8.ToArray(), "application/xml"),
        new("form encoded", "name=x&role=admin"u8.ToArray(), "application/x-www-form-urlencoded"),
        new("malformed content type", "{}"u8.ToArray(), "application/json; charset=\"unterminated"),
        new("unknown charset", "{}"u8.ToArray(), "application/json; charset=ebcdic-999"),
    ];

    private static BadBody Json(string kind, string text) => new(kind, Encoding.UTF8.GetBytes(text));

    private static BadBody Bytes(string kind, byte[] bytes) => new(kind, bytes);

    private static string Fields(IEnumerable<string> names, Func<int, string> value) =>
        "{" + string.Join(", ", names.Select((name, i) => $"\"{name}\": {value(i)}")) + "}";
}
