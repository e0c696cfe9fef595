using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// Typed reads of a node's saved config. The config passed its type's schema when the version was
/// saved, so a mismatch here means the schema and the executor disagree: <c>node.config_invalid</c>.
/// </summary>
internal static class NodeConfig
{
    public static string RequiredString(this JsonObject config, string name) =>
        config.OptionalString(name) ?? throw NodeFailureException.ConfigInvalid($"config.{name} is required.");

    public static string? OptionalString(this JsonObject config, string name) => config[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw NodeFailureException.ConfigInvalid($"config.{name} must be a string."),
    };

    public static int? OptionalInt(this JsonObject config, string name) => config[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<int>(out var number) => number,
        JsonValue value when value.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw NodeFailureException.ConfigInvalid($"config.{name} must be an integer."),
    };

    public static JsonObject? OptionalObject(this JsonObject config, string name) => config[name] switch
    {
        null => null,
        JsonObject obj => obj,
        _ => throw NodeFailureException.ConfigInvalid($"config.{name} must be an object."),
    };

    public static JsonArray? OptionalArray(this JsonObject config, string name) => config[name] switch
    {
        null => null,
        JsonArray array => array,
        _ => throw NodeFailureException.ConfigInvalid($"config.{name} must be an array."),
    };
}
