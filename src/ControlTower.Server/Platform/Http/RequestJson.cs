using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// How request bodies bind: a field of a non-nullable reference type with no default (<c>string Name</c> in a
/// record's constructor) that is missing or sent as <c>null</c> is a 400 <c>request.malformed_json</c> naming it,
/// instead of a null that fails later inside a handler. Nullable fields, fields with a default and value types
/// stay optional; responses are unaffected (every property may still be written as null).
/// </summary>
internal static class RequestJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.AllowDuplicateProperties = false;
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RequireNonNullableReferences);
    }

    private static void RequireNonNullableReferences(JsonTypeInfo type)
    {
        foreach (var property in type.Properties.Where(p => !p.PropertyType.IsValueType))
        {
            if (property.AssociatedParameter is { HasDefaultValue: false, IsNullable: false })
            {
                property.IsRequired = true;
            }

            // RespectNullableAnnotations checks both directions; the platform only wants it on the way in.
            property.IsGetNullable = true;
        }
    }
}
