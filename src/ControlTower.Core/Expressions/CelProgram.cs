using System.Text.Json.Nodes;

namespace ControlTower.Core.Expressions;

/// <summary>
/// A compiled CEL expression. Immutable and thread-safe: every evaluation gets its own interpreter state,
/// so one program may be evaluated concurrently any number of times.
/// </summary>
public sealed class CelProgram
{
    internal CelProgram(string source, CelExpr ast, CelOptions options, string? resultType = null)
    {
        Source = source;
        Ast = ast;
        Options = options;
        ResultType = resultType;
    }

    public string Source { get; }

    /// <summary>The deduced result type (e.g. <c>bool</c>, <c>list(string)</c>) when the program was type-checked; otherwise null.</summary>
    public string? ResultType { get; }

    public CelOptions Options { get; }

    internal CelExpr Ast { get; }

    /// <summary>
    /// Evaluates with JSON variables (top-level keys are variable names) and returns the result as JSON; the mapping
    /// both ways is documented on <c>CelJson</c>. The activation is only read, and only the parts the expression touches.
    /// A <see cref="JsonObject"/> parsed from text initialises itself lazily and is then not safe for concurrent readers,
    /// so give each concurrent evaluation its own activation object.
    /// </summary>
    /// <exception cref="CelException">evaluation error, cost or size limit.</exception>
    public JsonNode? Evaluate(JsonObject activation) => CelJson.ToJson(EvaluateValue(activation));

    /// <summary>Evaluates a condition; a non-bool result is a <c>cel.type_error</c>.</summary>
    public bool EvaluateBool(JsonObject activation)
    {
        var value = EvaluateValue(activation);
        return value is bool b
            ? b
            : throw new CelException(
                CelErrorCodes.TypeError,
                $"expression must evaluate to bool but gave {CelFunctions.TypeOf(value).Name}",
                0,
                1,
                1,
                Source);
    }

    /// <summary>Evaluates and returns the raw CEL value (long, ulong, double, bool, string, CelList, ...).</summary>
    internal object EvaluateValue(JsonObject activation) => EvaluateValue(new JsonActivation(activation));

    internal object EvaluateValue(CelActivation activation)
    {
        var result = EvaluateRaw(activation, out _);
        return result is CelError error ? throw ToException(error) : result;
    }

    /// <summary>Evaluates without turning an error value into an exception (limits still throw).</summary>
    internal object EvaluateRaw(CelActivation activation, out long cost)
    {
        var interpreter = new CelInterpreter(Options, activation);
        try
        {
            var result = interpreter.Evaluate(Ast);
            cost = interpreter.Cost;
            return result;
        }
        catch (CelException limit) when (limit.Line == 0 && limit.Position >= 0)
        {
            // The interpreter knows the failing node's offset, not the source; give the line and column too.
            var (line, column) = CelParser.LineColumn(Source, limit.Position);
            throw new CelException(limit.Code, $"{limit.Message} at {line}:{column}", limit.Position, line, column, limit.Details["expression"] as string);
        }
    }

    internal CelException ToException(CelError error)
    {
        var position = error.Expr?.Position ?? 0;
        var (line, column) = CelParser.LineColumn(Source, position);
        var expression = error.Expr is null ? null : CelPrinter.Print(error.Expr);
        var where = expression is null ? "" : $" in '{expression}'";
        return new CelException(error.Code, $"{error.Message}{where} at {line}:{column}", position, line, column, expression);
    }
}
