using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// How request bodies bind: a required field (a constructor parameter without a default) that is missing, or a
/// non-nullable one sent as <c>null</c>, is a 400 <c>request.malformed_json</c> naming it, instead of a null that
/// fails later inside a handler. Responses are unaffected: every property may still be written as null.
/// </summary>
internal static class RequestJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.AllowDuplicateProperties = false;
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(AllowNullOnWrite);
    }

    // RespectNullableAnnotations checks both directions; the platform only wants it on the way in.
    private static void AllowNullOnWrite(JsonTypeInfo type)
    {
        foreach (var property in type.Properties.Where(p => !p.PropertyType.IsValueType))
        {
            property.IsGetNullable = true;
        }
    }
}
