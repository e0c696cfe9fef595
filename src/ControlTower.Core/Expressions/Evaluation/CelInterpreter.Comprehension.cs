namespace ControlTower.Core.Expressions;

internal sealed partial class CelInterpreter
{
    private object EvalComprehension(ComprehensionExpr comp, CelScope? scope)
    {
        var range = Eval(comp.Range, scope);
        switch (comp.Kind)
        {
            case MacroKind.Bind:
                return Eval(comp.Body, new CelScope(comp.Var1, range, scope));
            case MacroKind.OptMap or MacroKind.OptFlatMap:
                return EvalOptMap(comp, range, scope);
        }

        if (range is CelError)
        {
            return range;
        }

        if (range is not (CelList or CelMap))
        {
            return new CelError($"expression of type '{CelFunctions.TypeOf(range).Name}' cannot be the range of a comprehension", comp.Range);
        }

        return comp.Kind switch
        {
            MacroKind.All => EvalQuantifier(comp, range, scope, stopOn: false),
            MacroKind.Exists => EvalQuantifier(comp, range, scope, stopOn: true),
            MacroKind.ExistsOne => EvalExistsOne(comp, range, scope),
            MacroKind.TransformMap or MacroKind.TransformMapEntry => EvalTransformMap(comp, range, scope),
            _ => EvalListBuilding(comp, range, scope),
        };
    }

    private static int RangeCount(object range) => range is CelList list ? list.Count : ((CelMap)range).Entries.Count;

    /// <summary>The variables of iteration i: element (or index and element) of a list, key (or key and value) of a map.</summary>
    private CelScope Iteration(ComprehensionExpr comp, object range, int i, CelScope? scope)
    {
        Charge(comp, 1);
        if (range is CelList list)
        {
            return comp.Var2 is null
                ? new CelScope(comp.Var1, list.Items[i], scope)
                : new CelScope(comp.Var2, list.Items[i], new CelScope(comp.Var1, (long)i, scope));
        }

        var entry = ((CelMap)range).Entries[i];
        return comp.Var2 is null
            ? new CelScope(comp.Var1, entry.Key, scope)
            : new CelScope(comp.Var2, entry.Value, new CelScope(comp.Var1, entry.Key, scope));
    }

    /// <summary>all/exists: a decisive result wins over errors met on other elements (spec: commutative absorption).</summary>
    private object EvalQuantifier(ComprehensionExpr comp, object range, CelScope? scope, bool stopOn)
    {
        object? error = null;
        var count = RangeCount(range);
        for (var i = 0; i < count; i++)
        {
            var iteration = Iteration(comp, range, i, scope);
            var p = Eval(comp.Body, iteration);
            if (p is bool b)
            {
                if (b == stopOn)
                {
                    return CelBox.Of(stopOn);
                }
            }
            else
            {
                error ??= p is CelError ? p : CelFunctions.NoOverload(comp, p);
            }
        }

        return error ?? CelBox.Of(!stopOn);
    }

    private object EvalExistsOne(ComprehensionExpr comp, object range, CelScope? scope)
    {
        var matches = 0;
        var count = RangeCount(range);
        for (var i = 0; i < count; i++)
        {
            var iteration = Iteration(comp, range, i, scope);
            var p = Eval(comp.Body, iteration);
            switch (p)
            {
                case true:
                    matches++;
                    break;
                case false:
                    break;
                case CelError:
                    return p;
                default:
                    return CelFunctions.NoOverload(comp, p);
            }
        }

        return CelBox.Of(matches == 1);
    }

    /// <summary>Evaluates the filter; null means keep the element, otherwise the value to return (false = skip, or an error).</summary>
    private object? Keep(ComprehensionExpr comp, CelScope iteration)
    {
        if (comp.Filter is null)
        {
            return null;
        }

        var f = Eval(comp.Filter, iteration);
        return f switch
        {
            true => null,
            false => false,
            CelError => f,
            _ => CelFunctions.NoOverload(comp, f),
        };
    }

    /// <summary>
    /// Runs the body for every element the filter keeps and hands each value to <paramref name="add"/>.
    /// Returns the first error (of the filter, the body or <paramref name="add"/>), or null when all went through.
    /// </summary>
    private object? ForEachKept(ComprehensionExpr comp, object range, CelScope? scope, Func<CelScope, object, object?> add)
    {
        var count = RangeCount(range);
        for (var i = 0; i < count; i++)
        {
            var iteration = Iteration(comp, range, i, scope);
            var keep = Keep(comp, iteration);
            if (keep is CelError)
            {
                return keep;
            }

            if (keep is false)
            {
                continue;
            }

            var value = Eval(comp.Body, iteration);
            if (value is CelError)
            {
                return value;
            }

            if (add(iteration, value) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    private object EvalListBuilding(ComprehensionExpr comp, object range, CelScope? scope)
    {
        var items = new List<object>();
        var error = ForEachKept(comp, range, scope, (_, value) =>
        {
            items.Add(value);
            CheckCollectionSize(comp, items.Count);
            return null;
        });
        return error ?? CheckOutput(comp, new CelList(items));
    }

    private object EvalTransformMap(ComprehensionExpr comp, object range, CelScope? scope)
    {
        var entries = new List<KeyValuePair<object, object>>();
        var error = ForEachKept(comp, range, scope, (iteration, value) =>
        {
            if (comp.Kind == MacroKind.TransformMapEntry)
            {
                if (value is not CelMap entry)
                {
                    return CelFunctions.NoOverload(comp, value);
                }

                entries.AddRange(entry.Entries);
            }
            else
            {
                entries.Add(new KeyValuePair<object, object>(iteration.Parent!.Value, value));
            }

            CheckCollectionSize(comp, entries.Count);
            return null;
        });
        if (error is not null)
        {
            return error;
        }

        return CelMap.TryCreate(entries, out var map) ? CheckOutput(comp, map) : new CelError("transformMapEntry produced a repeated key", comp);
    }

    private object EvalOptMap(ComprehensionExpr comp, object range, CelScope? scope)
    {
        if (range is CelError)
        {
            return range;
        }

        if (range is not CelOptional optional)
        {
            return CelFunctions.NoOverload(comp, range);
        }

        if (!optional.HasValue)
        {
            return CelOptional.None;
        }

        var value = Eval(comp.Body, new CelScope(comp.Var1, optional.Value!, scope));
        if (value is CelError || comp.Kind == MacroKind.OptFlatMap)
        {
            return comp.Kind == MacroKind.OptFlatMap && value is not (CelOptional or CelError) ? CelFunctions.NoOverload(comp, value) : value;
        }

        return new CelOptional(value);
    }
}
