namespace ControlTower.Core.Expressions;

/// <summary>Where an evaluation finds its variables (by full, possibly dotted, name).</summary>
internal abstract class CelActivation
{
    public abstract bool TryResolve(string name, out object value);
}

internal sealed class DictionaryActivation : CelActivation
{
    public static readonly DictionaryActivation Empty = new(new Dictionary<string, object>());

    private readonly IReadOnlyDictionary<string, object> _variables;

    public DictionaryActivation(IReadOnlyDictionary<string, object> variables) => _variables = variables;

    public override bool TryResolve(string name, out object value) => _variables.TryGetValue(name, out value!);
}

/// <summary>Comprehension variables; a linked list so nested macros shadow outer ones without copying.</summary>
internal sealed class CelScope
{
    public CelScope(string name, object value, CelScope? parent)
    {
        Name = name;
        Value = value;
        Parent = parent;
    }

    public string Name { get; }

    public object Value { get; }

    public CelScope? Parent { get; }

    public static bool TryFind(CelScope? scope, string name, out object value)
    {
        for (var s = scope; s is not null; s = s.Parent)
        {
            if (s.Name == name)
            {
                value = s.Value;
                return true;
            }
        }

        value = CelNull.Value;
        return false;
    }
}
