namespace ControlTower.Core.Expressions;

/// <summary>
/// Static type checker, run when variables are declared (<see cref="CelOptions.Variables"/>). It deduces the
/// type of every node, resolves overloads (with type parameters) and reports undeclared names and calls no
/// overload accepts. <c>dyn</c> is accepted wherever a type is expected, as in cel-go.
/// </summary>
internal sealed class CelChecker
{
    private static readonly Dictionary<string, CelCheckType> TypeNames = new()
    {
        ["int"] = CelCheckType.Int,
        ["uint"] = CelCheckType.Uint,
        ["double"] = CelCheckType.Double,
        ["bool"] = CelCheckType.Bool,
        ["string"] = CelCheckType.String,
        ["bytes"] = CelCheckType.Bytes,
        ["null_type"] = CelCheckType.Null,
        ["list"] = CelCheckType.List(CelCheckType.Dyn),
        ["map"] = CelCheckType.Map(CelCheckType.Dyn, CelCheckType.Dyn),
        ["type"] = CelCheckType.TypeOf(CelCheckType.Dyn),
        ["optional_type"] = CelCheckType.Optional(CelCheckType.Dyn),
        ["google.protobuf.Timestamp"] = CelCheckType.Timestamp,
        ["google.protobuf.Duration"] = CelCheckType.Duration,
    };

    private readonly string _source;
    private readonly CelOptions _options;
    private readonly IReadOnlyDictionary<string, CelCheckType> _variables;
    private readonly List<CelDiagnostic> _errors = [];

    private CelChecker(string source, CelOptions options)
    {
        _source = source;
        _options = options;
        _variables = (options.Variables ?? new Dictionary<string, string>())
            .ToDictionary(v => v.Key, v => ParseDeclared(v.Key, v.Value), StringComparer.Ordinal);
    }

    /// <summary>The deduced type of the whole expression and the problems found (empty when it checks).</summary>
    public static (CelCheckType Type, IReadOnlyList<CelDiagnostic> Errors) Check(string source, CelExpr expr, CelOptions options)
    {
        var checker = new CelChecker(source, options);
        var type = checker.Visit(expr, null);
        return (type.Resolved(), checker._errors);
    }

    private static CelCheckType ParseDeclared(string name, string type)
    {
        try
        {
            return CelCheckType.Parse(type);
        }
        catch (FormatException ex)
        {
            throw new CelException(CelErrorCodes.CheckError, $"invalid declared type of variable '{name}': {ex.Message}");
        }
    }

    private sealed record Scope(string Name, CelCheckType Type, Scope? Parent)
    {
        public CelCheckType? Find(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Name == name)
                {
                    return s.Type;
                }
            }

            return null;
        }
    }

    private CelCheckType Error(CelExpr expr, string message)
    {
        var (line, column) = CelParser.LineColumn(_source, expr.Position);
        _errors.Add(new CelDiagnostic(CelErrorCodes.CheckError, $"ERROR: <input>:{line}:{column}: {message}", line, column, expr.Position));
        return CelCheckType.Dyn;
    }

    private CelCheckType Visit(CelExpr expr, Scope? scope) => expr switch
    {
        ConstantExpr c => ConstantType(c.Value),
        IdentExpr id => VisitIdent(id, scope),
        SelectExpr s => VisitSelect(s, scope),
        CallExpr call => VisitCall(call, scope),
        ListExpr list => VisitList(list, scope),
        MapExpr map => VisitMap(map, scope),
        StructExpr st => VisitStruct(st, scope),
        ComprehensionExpr comp => VisitComprehension(comp, scope),
        _ => CelCheckType.Dyn,
    };

    private static CelCheckType ConstantType(object value) => value switch
    {
        long => CelCheckType.Int,
        ulong => CelCheckType.Uint,
        double => CelCheckType.Double,
        bool => CelCheckType.Bool,
        string => CelCheckType.String,
        CelBytes => CelCheckType.Bytes,
        _ => CelCheckType.Null,
    };

    private CelCheckType VisitIdent(IdentExpr id, Scope? scope)
    {
        if (!id.Name.StartsWith('.') && scope?.Find(id.Name) is { } local)
        {
            return local;
        }

        return TryGlobal(id.Name) ?? Error(id, $"undeclared reference to '{id.Name.TrimStart('.')}' (in container '{_options.Container}')");
    }

    private CelCheckType? TryGlobal(string name)
    {
        var absolute = name.StartsWith('.');
        var bare = name.TrimStart('.');
        if (!absolute && !string.IsNullOrEmpty(_options.Container))
        {
            var parts = _options.Container.Split('.');
            for (var i = parts.Length; i > 0; i--)
            {
                if (_variables.TryGetValue(string.Join('.', parts, 0, i) + "." + bare, out var inContainer))
                {
                    return inContainer;
                }
            }
        }

        if (_variables.TryGetValue(bare, out var type))
        {
            return type;
        }

        foreach (var prefix in absolute ? [""] : CelInterpreter.ContainerPrefixes(_options.Container))
        {
            var candidate = prefix + bare;
            if (TypeNames.TryGetValue(candidate, out var typeName))
            {
                return CelCheckType.TypeOf(typeName);
            }

            if (candidate == "google.protobuf.NullValue.NULL_VALUE")
            {
                return CelCheckType.Int;
            }
        }

        return null;
    }

    private static string RootName(CelExpr expr)
    {
        while (expr is SelectExpr s)
        {
            expr = s.Operand;
        }

        return expr is IdentExpr id ? id.Name : "";
    }

    private CelCheckType VisitSelect(SelectExpr s, Scope? scope)
    {
        if (s.QualifiedName is { } qualified && scope?.Find(RootName(s)) is null && TryGlobal(qualified) is { } global)
        {
            return global;
        }

        var operand = Visit(s.Operand, scope);
        var optional = s.Optional;
        if (operand.Name == "optional_type" && operand.Params.Count == 1)
        {
            operand = operand.Params[0];
            optional = true;
        }

        if (s.TestOnly)
        {
            FieldType(s, operand);
            return CelCheckType.Bool;
        }

        var field = FieldType(s, operand) ?? CelCheckType.Dyn;
        return optional ? CelCheckType.Optional(field) : field;
    }

    private CelCheckType? FieldType(SelectExpr s, CelCheckType operand)
    {
        if (operand.IsDyn || operand.IsFree)
        {
            return CelCheckType.Dyn;
        }

        if (operand.Name == "map" && operand.Params.Count == 2)
        {
            return operand.Params[0].IsDyn || operand.Params[0].Equals(CelCheckType.String) || operand.Params[0].IsFree
                ? operand.Params[1]
                : Error(s, $"type '{operand}' does not support field selection");
        }

        return operand.Name.Contains('.', StringComparison.Ordinal) && !operand.Name.StartsWith("google.protobuf.", StringComparison.Ordinal)
            ? CelCheckType.Dyn
            : Error(s, $"type '{operand}' does not support field selection");
    }

    private CelCheckType VisitCall(CallExpr call, Scope? scope)
    {
        switch (call.Function)
        {
            case "_&&_" or "_||_" when call.Args.Count == 2:
                foreach (var arg in call.Args)
                {
                    RequireBool(arg, Visit(arg, scope), call.Function);
                }

                return CelCheckType.Bool;
            case "_?_:_" when call.Args.Count == 3:
                RequireBool(call.Args[0], Visit(call.Args[0], scope), call.Function);
                return CelCheckType.Join(Visit(call.Args[1], scope), Visit(call.Args[2], scope));
        }

        var name = call.Function;
        var args = new List<CelCheckType>();
        if (call.QualifiedFunction is { } qualified && IsKnownFunction(qualified) && scope?.Find(RootName(call.Target!)) is null
            && TryGlobal(RootName(call.Target!)) is null)
        {
            name = qualified;
        }
        else if (call.Target is not null)
        {
            args.Add(Visit(call.Target, scope));
        }

        args.AddRange(call.Args.Select(a => Visit(a, scope)));
        return Resolve(call, name, args);
    }

    private bool IsKnownFunction(string name) =>
        CelStandardDeclarations.Functions.ContainsKey(name) || CelStandardDeclarations.Unmodelled.Contains(name) || DeclaredOverloads(name).Count > 0;

    private IReadOnlyList<CelOverload> DeclaredOverloads(string name) =>
        _options.Functions.TryGetValue(name, out var declared) ? declared : [];

    private void RequireBool(CelExpr expr, CelCheckType type, string function)
    {
        if (!type.IsDyn && !type.IsFree && !type.Equals(CelCheckType.Bool))
        {
            Error(expr, $"found no matching overload for '{function}' applied to '{type}'");
        }
    }

    private CelCheckType Resolve(CallExpr call, string name, List<CelCheckType> args)
    {
        if (CelStandardDeclarations.Unmodelled.Contains(name))
        {
            return args.Count == 1 && args[0].Name == "list" ? args[0].Params[0] : args.Aggregate(CelCheckType.Free, CelCheckType.Join);
        }

        var overloads = DeclaredOverloads(name).Concat(
            CelStandardDeclarations.Functions.TryGetValue(name, out var standard) ? standard : []).ToList();
        if (overloads.Count == 0)
        {
            return Error(call, $"undeclared reference to function '{name}'");
        }

        CelCheckType? result = null;
        foreach (var overload in overloads.Where(o => o.Params.Count == args.Count))
        {
            var bindings = new Dictionary<string, CelCheckType>(StringComparer.Ordinal);
            if (overload.Params.Zip(args).All(p => Unify(p.First, p.Second, bindings)))
            {
                var type = Substitute(overload.Result, bindings);
                result = result is null ? type : CelCheckType.Join(result, type);
            }
        }

        return result ?? Error(call, $"found no matching overload for '{name}' applied to '({string.Join(", ", args.Select(a => a.Resolved()))})'");
    }

    /// <summary>Can an argument of type <paramref name="arg"/> be passed for <paramref name="param"/>? Binds type parameters.</summary>
    private static bool Unify(CelCheckType param, CelCheckType arg, Dictionary<string, CelCheckType> bindings)
    {
        if (param.IsTypeParam)
        {
            if (!bindings.TryGetValue(param.Name, out var bound) || bound.IsFree)
            {
                bindings[param.Name] = arg;
                return true;
            }

            return Unify(bound, arg, bindings) || Unify(arg, bound, bindings);
        }

        if (param.IsDyn || arg.IsDyn || arg.IsFree)
        {
            return true;
        }

        // Types are values of one kind: any two may be compared.
        if (param.Name == "type" && arg.Name == "type")
        {
            return true;
        }

        // A wrapper type is its primitive that may also be null.
        if (param.Name == "wrapper" && (arg.Equals(param.Params[0]) || arg.Equals(CelCheckType.Null)))
        {
            return true;
        }

        if (arg.Name == "wrapper" && (param.Equals(arg.Params[0]) || param.Equals(CelCheckType.Null)))
        {
            return true;
        }

        if (param.Name != arg.Name || param.Params.Count != arg.Params.Count)
        {
            return false;
        }

        for (var i = 0; i < param.Params.Count; i++)
        {
            if (!Unify(param.Params[i], arg.Params[i], bindings))
            {
                return false;
            }
        }

        return true;
    }

    private static CelCheckType Substitute(CelCheckType type, Dictionary<string, CelCheckType> bindings)
    {
        if (type.IsTypeParam)
        {
            return bindings.TryGetValue(type.Name, out var bound) ? bound : CelCheckType.Free;
        }

        return type.Params.Count == 0 ? type : new CelCheckType(type.Name, type.Params.Select(p => Substitute(p, bindings)).ToArray());
    }

    private CelCheckType VisitList(ListExpr list, Scope? scope)
    {
        var elem = CelCheckType.Free;
        for (var i = 0; i < list.Elements.Count; i++)
        {
            var type = Visit(list.Elements[i], scope);
            elem = CelCheckType.Join(elem, list.OptionalFlags[i] ? UnwrapOptional(list.Elements[i], type) : type);
        }

        return CelCheckType.List(elem);
    }

    private CelCheckType UnwrapOptional(CelExpr expr, CelCheckType type) =>
        type.Name == "optional_type" && type.Params.Count == 1 ? type.Params[0]
        : type.IsDyn ? type
        : Error(expr, $"expected optional_type but found '{type}'");

    private CelCheckType VisitMap(MapExpr map, Scope? scope)
    {
        var key = CelCheckType.Free;
        var value = CelCheckType.Free;
        foreach (var entry in map.Entries)
        {
            key = CelCheckType.Join(key, Visit(entry.Key, scope));
            var type = Visit(entry.Value, scope);
            value = CelCheckType.Join(value, entry.Optional ? UnwrapOptional(entry.Value, type) : type);
        }

        return CelCheckType.Map(key, value);
    }

    private CelCheckType VisitStruct(StructExpr st, Scope? scope)
    {
        foreach (var field in st.Fields)
        {
            Visit(field.Value, scope);
        }

        return CelWellKnown.Resolve(st.TypeName, CelInterpreter.ContainerPrefixes(_options.Container)) switch
        {
            "google.protobuf.Value" => CelCheckType.Dyn,
            "google.protobuf.Struct" => CelCheckType.Map(CelCheckType.String, CelCheckType.Dyn),
            "google.protobuf.ListValue" => CelCheckType.List(CelCheckType.Dyn),
            "google.protobuf.Int32Value" or "google.protobuf.Int64Value" => CelCheckType.Wrapper(CelCheckType.Int),
            "google.protobuf.UInt32Value" or "google.protobuf.UInt64Value" => CelCheckType.Wrapper(CelCheckType.Uint),
            "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" => CelCheckType.Wrapper(CelCheckType.Double),
            "google.protobuf.BoolValue" => CelCheckType.Wrapper(CelCheckType.Bool),
            "google.protobuf.StringValue" => CelCheckType.Wrapper(CelCheckType.String),
            "google.protobuf.BytesValue" => CelCheckType.Wrapper(CelCheckType.Bytes),
            var other => Error(st, $"undeclared reference to message type '{other}'"),
        };
    }

    private CelCheckType VisitComprehension(ComprehensionExpr comp, Scope? scope)
    {
        var range = Visit(comp.Range, scope);
        switch (comp.Kind)
        {
            case MacroKind.Bind:
                return Visit(comp.Body, new Scope(comp.Var1, range, scope));
            case MacroKind.OptMap or MacroKind.OptFlatMap:
                var inner = range.Name == "optional_type" && range.Params.Count == 1 ? range.Params[0] : CelCheckType.Dyn;
                var mapped = Visit(comp.Body, new Scope(comp.Var1, inner, scope));
                return comp.Kind == MacroKind.OptMap ? CelCheckType.Optional(mapped) : mapped;
        }

        var (first, second) = IterationTypes(comp, range);
        var inLoop = comp.Var2 is null
            ? new Scope(comp.Var1, first, scope)
            : new Scope(comp.Var2, second, new Scope(comp.Var1, first, scope));
        if (comp.Filter is not null)
        {
            RequireBool(comp.Filter, Visit(comp.Filter, inLoop), comp.MacroName);
        }

        var body = Visit(comp.Body, inLoop);
        switch (comp.Kind)
        {
            case MacroKind.All or MacroKind.Exists or MacroKind.ExistsOne:
                RequireBool(comp.Body, body, comp.MacroName);
                return CelCheckType.Bool;
            case MacroKind.TransformMap:
                return CelCheckType.Map(first, body);
            case MacroKind.TransformMapEntry:
                return body.Name == "map" ? body : CelCheckType.Map(CelCheckType.Dyn, CelCheckType.Dyn);
            default:
                return CelCheckType.List(body);
        }
    }

    private (CelCheckType First, CelCheckType Second) IterationTypes(ComprehensionExpr comp, CelCheckType range)
    {
        if (range.Name == "list" && range.Params.Count == 1)
        {
            return comp.Var2 is null ? (range.Params[0], CelCheckType.Dyn) : (CelCheckType.Int, range.Params[0]);
        }

        if (range.Name == "map" && range.Params.Count == 2)
        {
            return (range.Params[0], range.Params[1]);
        }

        if (range.IsDyn || range.IsFree)
        {
            return (CelCheckType.Dyn, CelCheckType.Dyn);
        }

        Error(comp.Range, $"expression of type '{range}' cannot be range of a comprehension (must be list, map, or dynamic)");
        return (CelCheckType.Dyn, CelCheckType.Dyn);
    }
}
