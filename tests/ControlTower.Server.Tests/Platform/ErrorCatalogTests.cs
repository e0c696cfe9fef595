using System.Text.RegularExpressions;
using ControlTower.Core.Errors;
using ControlTower.Core.Expressions;
using ControlTower.Core.Graphs;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Tests.Mcp;
using CoreCredentialCodes = ControlTower.Core.Crypto.CredentialErrorCodes;

namespace ControlTower.Server.Tests.Platform;

/// <summary>Keeps the error catalog (docs/error-codes.md) and the code constants it is generated from true.</summary>
public sealed partial class ErrorCatalogTests
{
    private const string UpdateVariable = "UPDATE_ERROR_CATALOG";

    private static readonly string Root = McpTestServers.RepoRoot();

    private static readonly Lazy<IReadOnlyList<ErrorCatalogEntry>> Catalog = new(() => ErrorCatalog.Read(Root));

    [Fact]
    public void Read_WhenReflectingCoreAndServer_FindsPublicInternalAndProblemCodeClasses()
    {
        var owners = Catalog.Value.Select(e => e.Owner).ToHashSet();

        Assert.Contains(typeof(ErrorCodes), owners);
        Assert.Contains(typeof(CelErrorCodes), owners);
        Assert.Contains(typeof(GraphProblemCodes), owners);
        Assert.Contains(typeof(CredentialErrorCodes), owners);
        Assert.Contains(typeof(CoreCredentialCodes), owners);
        Assert.Contains(Catalog.Value, e => e.Code == ErrorCodes.Internal);
    }

    [Fact]
    public void Codes_WhenRead_AreLowercaseDottedNames()
    {
        var bad = Catalog.Value.Where(e => !CodePattern().IsMatch(e.Code)).Select(e => $"{e.Declaration} = \"{e.Code}\"").ToList();

        Assert.True(bad.Count == 0, "Codes must match ^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$:\n" + string.Join('\n', bad));
    }

    [Fact]
    public void Codes_WhenRead_EachSaysWhereClientsMeetItAndWhatItMeans()
    {
        var bad = Catalog.Value
            .Where(e => e.Usage is null || e.Usage.Surface == 0 || string.IsNullOrWhiteSpace(e.Summary))
            .Select(e => e.Declaration)
            .ToList();

        Assert.True(bad.Count == 0, "Give each code an [ErrorCode(...)] attribute and a one-line /// <summary>:\n" + string.Join('\n', bad));
    }

    [Fact]
    public void Codes_WhenRead_HaveOneOwnerEach()
    {
        var twice = Catalog.Value
            .GroupBy(e => e.Code, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Declaration))}")
            .ToList();

        Assert.True(twice.Count == 0, "A code is declared once, by the feature that owns it; use that constant elsewhere:\n" + string.Join('\n', twice));
    }

    [Fact]
    public void CredentialErrorCodes_All_AgreesWithTheDeclaredKinds()
    {
        var byCode = Catalog.Value.ToDictionary(e => e.Code, StringComparer.Ordinal);
        var declared = Catalog.Value.Where(e => e.Owner == typeof(CredentialErrorCodes)).Select(e => e.Code);

        Assert.Empty(declared.Except(CredentialErrorCodes.All.Keys));
        foreach (var (code, kind) in CredentialErrorCodes.All)
        {
            var usage = byCode[code].Usage;
            Assert.True(usage is not null && usage.Surface.HasFlag(ErrorSurface.ProblemDetails) && usage.Kind == kind,
                $"{code}: CredentialErrorCodes.All says {kind}, its [ErrorCode] says {usage?.Kind}.");
        }
    }

    [Fact]
    public void Docs_WhenComparedWithTheConstants_ListExactlyTheCatalog()
    {
        var path = Path.Combine(Root, ErrorCatalog.DocsPath);
        var expected = ErrorCatalog.Render(Catalog.Value);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected);
            return;
        }

        var regenerate = $"Regenerate {ErrorCatalog.DocsPath} with: {ErrorCatalog.RegenerateCommand}";
        Assert.True(File.Exists(path), $"{ErrorCatalog.DocsPath} is missing. {regenerate}");
        var actual = File.ReadAllText(path).ReplaceLineEndings("\n");
        var listed = ErrorCatalog.ListedCodes(actual);
        var codes = Catalog.Value.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        var missing = codes.Except(listed).Order(StringComparer.Ordinal).ToList();
        var stale = listed.Except(codes).Order(StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"{ErrorCatalog.DocsPath} lacks [{string.Join(", ", missing)}] and lists codes no constant declares [{string.Join(", ", stale)}]. {regenerate}");
        var firstDifference = expected.Split('\n').Zip(actual.Split('\n')).FirstOrDefault(pair => pair.First != pair.Second);
        Assert.True(expected == actual, $"{ErrorCatalog.DocsPath} is out of date (expected \"{firstDifference.First}\", found \"{firstDifference.Second}\"). {regenerate}");
    }

    [Fact]
    public void Source_WhenScanned_HasNoLiteralErrorCodesAtThrowSites()
    {
        var found = new List<string>();
        foreach (var file in ErrorCatalog.SourceFiles(Root))
        {
            var text = File.ReadAllText(file).ReplaceLineEndings("\n");
            var constants = ErrorCatalog.CatalogClassBodies(text).ToList();
            foreach (Match literal in ThrowSiteLiteral().Matches(text))
            {
                var at = literal.Groups["code"].Index;
                if (!constants.Any(c => at >= c.Start && at < c.End))
                {
                    var line = text.AsSpan(0, at).Count('\n') + 1;
                    found.Add($"{Path.GetRelativePath(Root, file)}:{line}: \"{literal.Groups["code"].Value}\"");
                }
            }
        }

        Assert.True(found.Count == 0,
            "Error codes belong in a const of the feature's *ErrorCodes class (with [ErrorCode] and a <summary>), not at the throw site:\n" + string.Join('\n', found));
    }

    [Fact]
    public void ThrowSiteLiteral_WhenGivenTypicalThrowSites_FindsTheCode()
    {
        string[] sites =
        [
            "throw new ControlTowerException(ErrorKind.Conflict, \"rules.concurrent_update\", $\"changed\");",
            "throw new ControlTowerException(\n    ErrorKind.Validation,\n    \"x.y_z\",\n    \"message\");",
            "problems.Add(new RuleProblem(\"rules.too_many\", \"/rules\", \"too many\"));",
            "return new NodeResult.Failed(\"node.type_unsupported\", \"no executor\", false);",
            "problem.Extensions[\"code\"] = \"auth.required\";",
            "new NodeFailed(nodeId, state.Node(nodeId).Attempt, \"node.failed_by_person\", reason, false, now)",
        ];

        Assert.All(sites, site => Assert.Matches(ThrowSiteLiteral(), site));
        Assert.DoesNotMatch(ThrowSiteLiteral(), "await audit.CommitAsync(db, new AuditEvent(actor, \"rules.created\", target, reason), ct);");
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]
    private static partial Regex CodePattern();

    /// <summary>A dotted literal as an argument of an exception, failure or problem (also across lines, past one level of inner calls), or assigned to a <c>code</c> extension.</summary>
    [GeneratedRegex(@"(?:(?:Exception|Failure|Problem|Failed)\((?:[^();]|\([^();]*\))*?|\[""code""\]\s*=\s*)""(?<code>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)""")]
    private static partial Regex ThrowSiteLiteral();
}
