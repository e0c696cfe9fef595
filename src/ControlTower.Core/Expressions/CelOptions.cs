namespace ControlTower.Core.Expressions;

/// <summary>Limits and environment of a CEL program. Immutable; the defaults suit user-written workflow logic.</summary>
public sealed record CelOptions
{
    public static readonly CelOptions Default = new();

    /// <summary>Longest accepted source text, in characters.</summary>
    public int MaxSourceLength { get; init; } = 100_000;

    /// <summary>Deepest accepted expression tree (parentheses, calls, operator chains all count).</summary>
    public int MaxNestingDepth { get; init; } = 200;

    /// <summary>Evaluation steps allowed per evaluation; each node visit and each produced element costs.</summary>
    public long CostBudget { get; init; } = 1_000_000;

    /// <summary>Largest list or map an evaluation may create.</summary>
    public int MaxCollectionSize { get; init; } = 100_000;

    /// <summary>Longest string (characters) or bytes value an evaluation may create.</summary>
    public int MaxStringLength { get; init; } = 1_000_000;

    /// <summary>
    /// Largest value an evaluation may build, as approximate JSON bytes, counting shared parts as often as they
    /// would be written (<c>[s, s]</c> is twice <c>s</c>). Checked where lists and maps are built and where
    /// templates are rendered; passing it is <c>cel.output_too_large</c>.
    /// </summary>
    public long MaxOutputBytes { get; init; } = 1_000_000;

    /// <summary>Most list items and map entries, at every depth, of one value an evaluation may build.</summary>
    public long MaxOutputElements { get; init; } = 100_000;

    /// <summary>Time limit of one regular-expression match.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>When false, has/all/exists/... stay plain calls (needed only by conformance tests).</summary>
    public bool EnableMacros { get; init; } = true;

    /// <summary>Namespace used to resolve identifiers, e.g. <c>com.example</c> makes <c>x</c> also try <c>com.example.x</c>.</summary>
    public string Container { get; init; } = "";

    /// <summary>
    /// Declared variables and their CEL types as text (<c>int</c>, <c>list(string)</c>, <c>map(string, dyn)</c>, ...).
    /// When set, compiling also type-checks: undeclared names and calls no overload accepts are <c>cel.check_error</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    /// <summary>Extra function signatures for the checker (conformance tests declare some); evaluation ignores them.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<CelOverload>> Functions { get; init; } = new Dictionary<string, IReadOnlyList<CelOverload>>();
}
