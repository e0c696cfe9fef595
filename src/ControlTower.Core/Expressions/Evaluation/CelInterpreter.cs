namespace ControlTower.Core.Expressions;

/// <summary>
/// Evaluates one tree against one activation. Not thread-safe and used once: it holds the running cost.
/// Errors are <see cref="CelError"/> values; only limit violations (cost, sizes) throw, because they must
/// never be absorbed by <c>||</c> or a macro.
/// </summary>
internal sealed partial class CelInterpreter
{
    private static readonly Dictionary<string, CelType> TypeNames = new()
    {
        ["int"] = CelType.Int,
        ["uint"] = CelType.Uint,
        ["double"] = CelType.Double,
        ["bool"] = CelType.Bool,
        ["string"] = CelType.String,
        ["bytes"] = CelType.Bytes,
        ["list"] = CelType.List,
        ["map"] = CelType.Map,
        ["null_type"] = CelType.Null,
        ["type"] = CelType.Type,
        ["optional_type"] = CelType.Optional,
        ["google.protobuf.Timestamp"] = CelType.Timestamp,
        ["google.protobuf.Duration"] = CelType.Duration,
    };

    private readonly CelOptions _options;
    private readonly CelActivation _activation;
    private readonly string[] _containerPrefixes;
    private long _cost;

    public CelInterpreter(CelOptions options, CelActivation activation)
    {
        _options = options;
        _activation = activation;
        _containerPrefixes = ContainerPrefixes(options.Container);
    }

    /// <summary>Steps used so far by this evaluation.</summary>
    public long Cost => _cost;

    public object Evaluate(CelExpr expr) => Eval(expr, null);

    internal static string[] ContainerPrefixes(string container)
    {
        if (string.IsNullOrEmpty(container))
        {
            return [""];
        }

        var parts = container.Split('.');
        var prefixes = new string[parts.Length + 1];
        for (var i = parts.Length; i > 0; i--)
        {
            prefixes[parts.Length - i] = string.Join('.', parts, 0, i) + ".";
        }

        prefixes[parts.Length] = "";
        return prefixes;
    }

    private void Charge(CelExpr expr, long amount)
    {
        _cost += amount;
        if (_cost > _options.CostBudget)
        {
            throw Limit(expr, CelErrorCodes.CostExceeded, $"evaluation cost exceeds the budget of {_options.CostBudget}");
        }
    }

    private static CelException Limit(CelExpr expr, string code, string message) =>
        new(code, message + " at '" + CelPrinter.Print(expr) + "'", expr.Position, expression: CelPrinter.Print(expr));

    internal void CheckCollectionSize(CelExpr expr, int size)
    {
        if (size > _options.MaxCollectionSize)
        {
            throw Limit(expr, CelErrorCodes.LimitExceeded, $"collection of {size} elements exceeds the limit of {_options.MaxCollectionSize}");
        }

        Charge(expr, size / 8);
    }

    /// <summary>
    /// Charges for work proportional to a value's size (comparing lists, searching strings, <c>in</c> over a list),
    /// so a comprehension over large input cannot do quadratic work for a linear cost.
    /// </summary>
    internal void ChargeFor(CelExpr expr, object value)
    {
        var work = value switch
        {
            CelList list => list.Count,
            CelMap map => map.Count,
            string s => s.Length / 64,
            CelBytes b => b.Length / 64,
            _ => 0,
        };
        if (work > 0)
        {
            Charge(expr, work);
        }
    }

    /// <summary>Refuses a built list or map whose output would pass the byte or element budget; returns it otherwise.</summary>
    internal object CheckOutput(CelExpr expr, object value)
    {
        if (value is CelError)
        {
            return value;
        }

        var size = CelSize.Of(value);
        if (size.Bytes > _options.MaxOutputBytes || size.Elements > _options.MaxOutputElements)
        {
            throw Limit(expr, CelErrorCodes.OutputTooLarge,
                $"the value built here would be about {size.Bytes} bytes with {size.Elements} elements; the limits are {_options.MaxOutputBytes} bytes and {_options.MaxOutputElements} elements");
        }

        return value;
    }

    internal void CheckStringSize(CelExpr expr, int size)
    {
        if (size > _options.MaxStringLength)
        {
            throw Limit(expr, CelErrorCodes.LimitExceeded, $"string of {size} characters exceeds the limit of {_options.MaxStringLength}");
        }

        Charge(expr, size / 64);
    }

    private object Eval(CelExpr expr, CelScope? scope)
    {
        Charge(expr, 1);
        return expr switch
        {
            ConstantExpr c => c.Value,
            IdentExpr id => ResolveIdent(id, scope),
            SelectExpr s => EvalSelect(s, scope),
            CallExpr call => EvalCall(call, scope),
            ListExpr list => EvalList(list, scope),
            MapExpr map => EvalMap(map, scope),
            StructExpr st => EvalStruct(st, scope),
            ComprehensionExpr comp => EvalComprehension(comp, scope),
            _ => new CelError("unsupported expression", expr),
        };
    }

    private object ResolveIdent(IdentExpr id, CelScope? scope)
    {
        var name = id.Name;
        if (name[0] != '.' && CelScope.TryFind(scope, name, out var local))
        {
            return local;
        }

        return TryResolveGlobal(name, out var value)
            ? value
            : new CelError($"undeclared reference to '{name.TrimStart('.')}' (in container '{_options.Container}')", id);
    }

    /// <summary>Resolves a (dotted) name against the container, variables first, then type names.</summary>
    private bool TryResolveGlobal(string name, out object value)
    {
        if (name[0] == '.')
        {
            var absolute = name[1..];
            if (_activation.TryResolve(absolute, out value))
            {
                return true;
            }

            return TryTypeName(absolute, out value);
        }

        foreach (var prefix in _containerPrefixes)
        {
            if (_activation.TryResolve(prefix.Length == 0 ? name : prefix + name, out value))
            {
                return true;
            }
        }

        foreach (var prefix in _containerPrefixes)
        {
            if (TryTypeName(prefix.Length == 0 ? name : prefix + name, out value))
            {
                return true;
            }
        }

        value = CelNull.Value;
        return false;
    }

    private static bool TryTypeName(string name, out object value)
    {
        if (TypeNames.TryGetValue(name, out var type))
        {
            value = type;
            return true;
        }

        if (name == "google.protobuf.NullValue.NULL_VALUE")
        {
            value = 0L; // enum constants are ints in CEL
            return true;
        }

        value = CelNull.Value;
        return false;
    }

    private static string RootName(CelExpr expr)
    {
        while (expr is SelectExpr s)
        {
            expr = s.Operand;
        }

        return expr is IdentExpr id ? id.Name : "";
    }

    private object EvalSelect(SelectExpr s, CelScope? scope)
    {
        if (s.QualifiedName is { } qualified && !CelScope.TryFind(scope, RootName(s), out _) && TryResolveGlobal(qualified, out var global))
        {
            return global;
        }

        var operand = Eval(s.Operand, scope);
        if (operand is CelError)
        {
            return operand;
        }

        if (s.TestOnly)
        {
            return TestField(s, operand);
        }

        if (operand is CelOptional optional)
        {
            return optional.HasValue ? SelectOptional(s, optional.Value!) : CelOptional.None;
        }

        if (s.Optional)
        {
            return SelectOptional(s, operand);
        }

        return operand switch
        {
            CelMap map => map.TryGet(s.Field, out var value) ? value : new CelError($"no such key: {s.Field}", s),
            _ => new CelError($"type '{CelFunctions.TypeOf(operand).Name}' does not support field selection", s),
        };
    }

    private static object SelectOptional(SelectExpr s, object operand) => operand switch
    {
        CelMap map => map.TryGet(s.Field, out var value) ? new CelOptional(value) : CelOptional.None,
        _ => new CelError($"type '{CelFunctions.TypeOf(operand).Name}' does not support field selection", s),
    };

    private static object TestField(SelectExpr s, object operand) => operand switch
    {
        CelMap map => map.TryGet(s.Field, out _),
        CelOptional { HasValue: false } => false,
        CelOptional { Value: CelMap inner } => inner.TryGet(s.Field, out _),
        _ => new CelError($"invalid type for field selection: {CelFunctions.TypeOf(operand).Name}", s),
    };

    private object EvalList(ListExpr list, CelScope? scope)
    {
        if (list.Elements.Count == 0)
        {
            return CelList.Empty;
        }

        var items = new List<object>(list.Elements.Count);
        for (var i = 0; i < list.Elements.Count; i++)
        {
            var value = Eval(list.Elements[i], scope);
            if (value is CelError)
            {
                return value;
            }

            if (list.OptionalFlags[i])
            {
                if (value is not CelOptional opt)
                {
                    return new CelError("optional list element must be an optional value", list.Elements[i]);
                }

                if (!opt.HasValue)
                {
                    continue;
                }

                value = opt.Value!;
            }

            items.Add(value);
        }

        CheckCollectionSize(list, items.Count);
        return CheckOutput(list, new CelList(items));
    }

    private object EvalMap(MapExpr map, CelScope? scope)
    {
        var entries = new List<KeyValuePair<object, object>>(map.Entries.Count);
        foreach (var entry in map.Entries)
        {
            var key = Eval(entry.Key, scope);
            if (key is CelError)
            {
                return key;
            }

            var value = Eval(entry.Value, scope);
            if (value is CelError)
            {
                return value;
            }

            if (!CelMap.IsValidKey(key))
            {
                return new CelError($"unsupported key type: {CelFunctions.TypeOf(key).Name}", entry.Key);
            }

            if (entry.Optional)
            {
                if (value is not CelOptional opt)
                {
                    return new CelError("optional map entry must be an optional value", entry.Value);
                }

                if (!opt.HasValue)
                {
                    continue;
                }

                value = opt.Value!;
            }

            entries.Add(new KeyValuePair<object, object>(key, value));
        }

        CheckCollectionSize(map, entries.Count);
        return CelMap.TryCreate(entries, out var result) ? CheckOutput(map, result) : new CelError("Failed with repeated key", map);
    }

    private object EvalStruct(StructExpr st, CelScope? scope)
    {
        var fields = new Dictionary<string, object>();
        foreach (var field in st.Fields)
        {
            var value = Eval(field.Value, scope);
            if (value is CelError)
            {
                return value;
            }

            if (field.Optional)
            {
                if (value is not CelOptional { HasValue: true } opt)
                {
                    continue;
                }

                value = opt.Value!;
            }

            fields[field.Name] = value;
        }

        return CelWellKnown.Construct(st, CelWellKnown.Resolve(st.TypeName, _containerPrefixes), fields);
    }

    private object EvalCall(CallExpr call, CelScope? scope)
    {
        switch (call.Function)
        {
            case "_&&_" when call.Args.Count == 2:
                return EvalLogic(call, scope, isAnd: true);
            case "_||_" when call.Args.Count == 2:
                return EvalLogic(call, scope, isAnd: false);
            case "_?_:_" when call.Args.Count == 3:
                var cond = Eval(call.Args[0], scope);
                return cond switch
                {
                    true => Eval(call.Args[1], scope),
                    false => Eval(call.Args[2], scope),
                    CelError => cond,
                    _ => CelFunctions.NoOverload(call, cond),
                };
        }

        if (call.QualifiedFunction is { } qualified && CelFunctions.IsNamespacedFunction(qualified)
            && !CelScope.TryFind(scope, RootName(call.Target!), out _)
            && !_activation.TryResolve(RootName(call.Target!), out _))
        {
            return EvalGlobal(call, qualified, scope);
        }

        if (call.Target is null && call.Args.Count == 2)
        {
            // Operators: no argument array on the hot path.
            var left = Eval(call.Args[0], scope);
            if (left is CelError)
            {
                return left;
            }

            var right = Eval(call.Args[1], scope);
            return right is CelError ? right : CelFunctions.Binary(this, call, call.Function, left, right);
        }

        object? target = null;
        if (call.Target is not null)
        {
            target = Eval(call.Target, scope);
            if (target is CelError)
            {
                return target;
            }
        }

        var args = new object[call.Args.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Eval(call.Args[i], scope);
            if (args[i] is CelError)
            {
                return args[i];
            }
        }

        return CelFunctions.Call(this, call, call.Function, target, args);
    }

    private object EvalGlobal(CallExpr call, string name, CelScope? scope)
    {
        var args = new object[call.Args.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Eval(call.Args[i], scope);
            if (args[i] is CelError)
            {
                return args[i];
            }
        }

        return CelFunctions.Call(this, call, name, null, args);
    }

    /// <summary>Commutative: a false (for &amp;&amp;) or true (for ||) on either side wins over an error on the other.</summary>
    private object EvalLogic(CallExpr call, CelScope? scope, bool isAnd)
    {
        var left = Eval(call.Args[0], scope);
        if (left is bool lb && lb != isAnd)
        {
            return CelBox.Of(lb);
        }

        var right = Eval(call.Args[1], scope);
        if (right is bool rb && rb != isAnd)
        {
            return CelBox.Of(rb);
        }

        if (left is bool && right is bool)
        {
            return CelBox.Of(isAnd);
        }

        if (left is CelError)
        {
            return left;
        }

        if (right is CelError)
        {
            return right;
        }

        return CelFunctions.NoOverload(call, left is bool ? right : left);
    }

    internal CelOptions Options => _options;
}
