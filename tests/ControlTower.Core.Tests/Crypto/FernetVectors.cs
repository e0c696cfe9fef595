using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlTower.Core.Tests.Crypto;

/// <summary>Loads the Fernet spec vectors from the shared conformance folder.</summary>
internal static class FernetVectors
{
    public static IReadOnlyList<Vector> Load(string fileName)
    {
        var path = Path.Combine(ConformanceDirectory(), "fernet", fileName);
        var vectors = JsonSerializer.Deserialize<List<Vector>>(File.ReadAllText(path));
        Assert.NotNull(vectors);
        Assert.NotEmpty(vectors);
        return vectors;
    }

    /// <summary>CT_SHARED_DIR/conformance, else ../shared/conformance beside the repository root.</summary>
    private static string ConformanceDirectory()
    {
        var shared = Environment.GetEnvironmentVariable("CT_SHARED_DIR");
        if (!string.IsNullOrEmpty(shared))
        {
            return Path.Combine(shared, "conformance");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance"));
            }
        }

        throw new DirectoryNotFoundException("No ControlTower.slnx above " + AppContext.BaseDirectory);
    }

    internal sealed record Vector(
        [property: JsonPropertyName("desc")] string? Desc,
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("now")] DateTimeOffset Now,
        [property: JsonPropertyName("iv")] int[]? Iv,
        [property: JsonPropertyName("ttl_sec")] int? TtlSeconds,
        [property: JsonPropertyName("src")] string? Src,
        [property: JsonPropertyName("secret")] string Secret);
}
