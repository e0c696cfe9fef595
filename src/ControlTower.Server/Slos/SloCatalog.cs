using Microsoft.Extensions.Options;

namespace ControlTower.Server.Slos;

/// <summary>The SLO document in force, read once at startup (a bad file stops the start with every problem named).</summary>
internal sealed class SloCatalog
{
    public SloCatalog(IOptions<SloOptions> options, IConfiguration configuration)
    {
        var path = Path.IsPathRooted(options.Value.File) ? options.Value.File : Path.Combine(AppContext.BaseDirectory, options.Value.File);
        if (!File.Exists(path))
        {
            (Objectives, Targets, Revision) = ([], [], "none");
            return;
        }

        var (document, revision) = SloDocument.Parse(File.ReadAllText(path));
        Objectives = document.Objectives;
        Revision = revision;
        Targets = [.. (document.Notifications ?? []).Select(target => new ResolvedTarget(target.Name, target.Url,
            configuration[target.SecretSetting] is { Length: > 0 } secret
                ? secret
                : throw new InvalidOperationException($"The SLO notification '{target.Name}' signs with the setting {target.SecretSetting}, which is not set.")))];
    }

    public IReadOnlyList<SloDefinition> Objectives { get; }

    /// <summary>The first 12 hex digits of the document's SHA-256: which configuration an alert was raised under.</summary>
    public string Revision { get; }

    public IReadOnlyList<ResolvedTarget> Targets { get; }

    /// <summary>A target with its signing secret; never serialized.</summary>
    internal sealed record ResolvedTarget(string Name, Uri Url, string Secret);
}
