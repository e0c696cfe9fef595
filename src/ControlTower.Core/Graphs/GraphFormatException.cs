using ControlTower.Core.Errors;

namespace ControlTower.Core.Graphs;

/// <summary>A graph document whose JSON shape is wrong (code <c>graph.json_invalid</c>), with the pointer to the bad spot.</summary>
public sealed class GraphFormatException : ControlTowerException
{
    public GraphFormatException(string jsonPointer, string message, Exception? innerException = null)
        : base(ErrorKind.Validation, GraphErrorCodes.JsonInvalid, message, innerException)
    {
        JsonPointer = jsonPointer;
        Details = new Dictionary<string, object?> { ["pointer"] = jsonPointer };
    }

    public string JsonPointer { get; }
}

/// <summary>A graph that fails validation where a valid one is required (code <c>graph.invalid</c>); carries every problem.</summary>
public sealed class GraphInvalidException : ControlTowerException
{
    public GraphInvalidException(IReadOnlyList<GraphProblem> problems)
        : base(ErrorKind.Validation, GraphErrorCodes.Invalid, $"The workflow graph has {problems.Count} problem(s); first: {problems[0].Code} at '{problems[0].JsonPointer}': {problems[0].Message}")
    {
        Problems = problems;
        Details = new Dictionary<string, object?> { ["problems"] = problems };
    }

    public IReadOnlyList<GraphProblem> Problems { get; }
}
