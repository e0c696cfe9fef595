using System.Text;

namespace ControlTower.Core.Expressions;

/// <summary>
/// Recursive-descent parser for the cel-spec grammar; expands macros while parsing.
/// Errors are <see cref="CelException"/> with code <c>cel.parse_error</c> (or <c>cel.limit_exceeded</c>),
/// line/column and a caret snippet in the message.
/// </summary>
internal sealed class CelParser
{
    private static readonly HashSet<string> Reserved =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "in", "let", "loop",
        "package", "namespace", "return", "var", "void", "while",
    ];

    private readonly string _src;
    private readonly CelOptions _options;
    private readonly List<Token> _tokens;
    private int _index;
    private int _depth;

    private CelParser(string source, CelOptions options)
    {
        _src = source;
        _options = options;
        _tokens = CelLexer.Tokenize(source);
    }

    public static CelExpr Parse(string source, CelOptions? options = null)
    {
        options ??= CelOptions.Default;
        if (source.Length > options.MaxSourceLength)
        {
            throw new CelException(
                CelErrorCodes.LimitExceeded,
                $"expression is {source.Length} characters long; the limit is {options.MaxSourceLength}",
                options.MaxSourceLength,
                1,
                1);
        }

        var parser = new CelParser(source, options);
        var expr = parser.ParseExpr();
        if (parser.Peek.Kind != TokenKind.Eof)
        {
            throw parser.Unexpected(parser.Peek);
        }

        return expr;
    }

    /// <summary>Builds a parse error whose message holds position and a caret snippet, as cel-go does.</summary>
    public static CelException Error(string source, int position, string message, string code = CelErrorCodes.ParseError)
    {
        var (line, column) = LineColumn(source, position);
        var lineStart = position;
        while (lineStart > 0 && lineStart <= source.Length && source[lineStart - 1] != '\n')
        {
            lineStart--;
        }

        lineStart = Math.Min(lineStart, source.Length);
        var lineEnd = source.IndexOf('\n', lineStart);
        var lineText = lineEnd < 0 ? source[lineStart..] : source[lineStart..lineEnd];
        var snippet = new StringBuilder()
            .Append("ERROR: <input>:").Append(line).Append(':').Append(column).Append(": ").Append(message).Append('\n')
            .Append(" | ").Append(lineText.TrimEnd('\r')).Append('\n')
            .Append(" | ").Append('.', Math.Max(0, column - 1)).Append('^');
        return new CelException(code, snippet.ToString(), position, line, column);
    }

    public static (int Line, int Column) LineColumn(string source, int position)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < position && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }

    private Token Peek => _tokens[_index];

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Advance() => _tokens[_index++];

    private bool Accept(TokenKind kind)
    {
        if (Peek.Kind != kind)
        {
            return false;
        }

        _index++;
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Peek.Kind != kind)
        {
            throw Unexpected(Peek, what);
        }

        return Advance();
    }

    private CelException Unexpected(Token token, string? expecting = null)
    {
        var found = token.Kind == TokenKind.Eof ? "<EOF>" : $"'{token.Text}'";
        var message = expecting is null
            ? $"Syntax error: mismatched input {found}"
            : $"Syntax error: mismatched input {found} expecting {expecting}";
        return Error(_src, token.Start, message);
    }

    private T Node<T>(T expr)
        where T : CelExpr
    {
        if (expr.Depth > _options.MaxNestingDepth)
        {
            throw Error(_src, expr.Position, $"expression nesting exceeds the limit of {_options.MaxNestingDepth}", CelErrorCodes.LimitExceeded);
        }

        return expr;
    }

    private CelExpr ParseExpr()
    {
        if (++_depth > _options.MaxNestingDepth)
        {
            throw Error(_src, Peek.Start, $"expression nesting exceeds the limit of {_options.MaxNestingDepth}", CelErrorCodes.LimitExceeded);
        }

        var cond = ParseOr();
        if (Peek.Kind == TokenKind.Question)
        {
            var q = Advance();
            var then = ParseOr();
            Expect(TokenKind.Colon, "':'");
            var otherwise = ParseExpr();
            cond = Node(new CallExpr(q.Start, null, "_?_:_", [cond, then, otherwise]));
        }

        _depth--;
        return cond;
    }

    private CelExpr ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Kind == TokenKind.Or)
        {
            var op = Advance();
            left = Node(new CallExpr(op.Start, null, "_||_", [left, ParseAnd()]));
        }

        return left;
    }

    private CelExpr ParseAnd()
    {
        var left = ParseRelation();
        while (Peek.Kind == TokenKind.And)
        {
            var op = Advance();
            left = Node(new CallExpr(op.Start, null, "_&&_", [left, ParseRelation()]));
        }

        return left;
    }

    private CelExpr ParseRelation()
    {
        var left = ParseAddition();
        while (true)
        {
            var name = Peek.Kind switch
            {
                TokenKind.Eq => "_==_",
                TokenKind.Ne => "_!=_",
                TokenKind.Lt => "_<_",
                TokenKind.Le => "_<=_",
                TokenKind.Gt => "_>_",
                TokenKind.Ge => "_>=_",
                TokenKind.Ident when Peek.Text == "in" => "@in",
                _ => null,
            };
            if (name is null)
            {
                return left;
            }

            var op = Advance();
            left = Node(new CallExpr(op.Start, null, name, [left, ParseAddition()]));
        }
    }

    private CelExpr ParseAddition()
    {
        var left = ParseMultiplication();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            var name = op.Kind == TokenKind.Plus ? "_+_" : "_-_";
            left = Node(new CallExpr(op.Start, null, name, [left, ParseMultiplication()]));
        }

        return left;
    }

    private CelExpr ParseMultiplication()
    {
        var left = ParseUnary();
        while (Peek.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Advance();
            var name = op.Kind switch
            {
                TokenKind.Star => "_*_",
                TokenKind.Slash => "_/_",
                _ => "_%_",
            };
            left = Node(new CallExpr(op.Start, null, name, [left, ParseUnary()]));
        }

        return left;
    }

    private CelExpr ParseUnary()
    {
        if (Peek.Kind == TokenKind.Not)
        {
            var ops = new List<Token>();
            while (Peek.Kind == TokenKind.Not)
            {
                ops.Add(Advance());
            }

            var operand = ParseMember();
            for (var i = ops.Count - 1; i >= 0; i--)
            {
                operand = Node(new CallExpr(ops[i].Start, null, "!_", [operand]));
            }

            return operand;
        }

        if (Peek.Kind == TokenKind.Minus)
        {
            var ops = new List<Token>();
            while (Peek.Kind == TokenKind.Minus)
            {
                ops.Add(Advance());
            }

            CelExpr operand;
            if (Peek.Kind is TokenKind.Int or TokenKind.Double)
            {
                // A minus directly before a number literal is part of the literal (so int64 min parses).
                var sign = ops[^1];
                ops.RemoveAt(ops.Count - 1);
                operand = ParseMemberSuffixes(NegativeLiteral(sign, Advance()));
            }
            else
            {
                operand = ParseMember();
            }

            for (var i = ops.Count - 1; i >= 0; i--)
            {
                operand = Node(new CallExpr(ops[i].Start, null, "-_", [operand]));
            }

            return operand;
        }

        return ParseMember();
    }

    private ConstantExpr NegativeLiteral(Token sign, Token literal)
    {
        if (literal.Kind == TokenKind.Double)
        {
            return new ConstantExpr(sign.Start, -(double)literal.Value!);
        }

        var magnitude = (ulong)literal.Value!;
        if (magnitude > 9223372036854775808UL)
        {
            throw Error(_src, literal.Start, "invalid int literal");
        }

        return new ConstantExpr(sign.Start, magnitude == 9223372036854775808UL ? long.MinValue : -(long)magnitude);
    }

    private CelExpr ParseMember() => ParseMemberSuffixes(ParsePrimary());

    private CelExpr ParseMemberSuffixes(CelExpr expr)
    {
        while (true)
        {
            switch (Peek.Kind)
            {
                case TokenKind.Dot:
                    expr = ParseDotSuffix(expr);
                    break;
                case TokenKind.LBracket:
                    var open = Advance();
                    var optional = Accept(TokenKind.Question);
                    var index = ParseExpr();
                    Expect(TokenKind.RBracket, "']'");
                    expr = Node(new CallExpr(open.Start, null, optional ? "_[?_]" : "_[_]", [expr, index]));
                    break;
                case TokenKind.LBrace when QualifiedName(expr) is { } typeName:
                    expr = ParseStruct(expr.Position, typeName);
                    break;
                default:
                    return expr;
            }
        }
    }

    private CelExpr ParseDotSuffix(CelExpr operand)
    {
        var dot = Advance();
        var optional = Accept(TokenKind.Question);
        var name = Peek;
        if (name.Kind is not (TokenKind.Ident or TokenKind.QuotedIdent))
        {
            throw Unexpected(name, "IDENTIFIER");
        }

        Advance();
        if (!optional && name.Kind == TokenKind.Ident && Peek.Kind == TokenKind.LParen)
        {
            var open = Advance();
            var args = ParseArgs(TokenKind.RParen);
            return ExpandReceiverCall(open.Start, operand, name.Text, args);
        }

        return Node(new SelectExpr(dot.Start, operand, name.Text, TestOnly: false, Optional: optional));
    }

    private static string? QualifiedName(CelExpr expr) => expr switch
    {
        IdentExpr id => id.Name,
        SelectExpr s => s.QualifiedName,
        _ => null,
    };

    private CelExpr ParsePrimary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Int:
                Advance();
                var magnitude = (ulong)token.Value!;
                if (magnitude > long.MaxValue)
                {
                    throw Error(_src, token.Start, "invalid int literal");
                }

                return new ConstantExpr(token.Start, (long)magnitude);
            case TokenKind.Uint:
                Advance();
                return new ConstantExpr(token.Start, (ulong)token.Value!);
            case TokenKind.Double:
                Advance();
                return new ConstantExpr(token.Start, (double)token.Value!);
            case TokenKind.String:
                Advance();
                return new ConstantExpr(token.Start, (string)token.Value!);
            case TokenKind.Bytes:
                Advance();
                return new ConstantExpr(token.Start, new CelBytes((byte[])token.Value!));
            case TokenKind.LParen:
                Advance();
                var inner = ParseExpr();
                Expect(TokenKind.RParen, "')'");
                return inner;
            case TokenKind.LBracket:
                return ParseList();
            case TokenKind.LBrace:
                return ParseMap();
            case TokenKind.Dot:
                Advance();
                var name = Expect(TokenKind.Ident, "IDENTIFIER");
                return ParseIdentOrCall(name, leadingDot: true);
            case TokenKind.Ident:
                Advance();
                return ParseIdentOrCall(token, leadingDot: false);
            default:
                throw Unexpected(token);
        }
    }

    private CelExpr ParseIdentOrCall(Token name, bool leadingDot)
    {
        switch (name.Text)
        {
            case "true" when !leadingDot:
                return new ConstantExpr(name.Start, true);
            case "false" when !leadingDot:
                return new ConstantExpr(name.Start, false);
            case "null" when !leadingDot:
                return new ConstantExpr(name.Start, CelNull.Value);
        }

        if (Reserved.Contains(name.Text))
        {
            throw Error(_src, name.Start, $"Syntax error: reserved identifier: {name.Text}");
        }

        if (Peek.Kind == TokenKind.LParen)
        {
            var open = Advance();
            var args = ParseArgs(TokenKind.RParen);
            if (!leadingDot && _options.EnableMacros && name.Text == "has" && args.Count == 1)
            {
                if (args[0] is not SelectExpr { TestOnly: false } select)
                {
                    throw Error(_src, args[0].Position, "invalid argument to has() macro");
                }

                return Node(select with { TestOnly = true, Position = name.Start });
            }

            return Node(new CallExpr(open.Start, null, name.Text, args));
        }

        return new IdentExpr(name.Start, leadingDot ? "." + name.Text : name.Text);
    }

    private List<CelExpr> ParseArgs(TokenKind close)
    {
        var args = new List<CelExpr>();
        if (Accept(close))
        {
            return args;
        }

        do
        {
            args.Add(ParseExpr());
        }
        while (Accept(TokenKind.Comma));
        Expect(close, close == TokenKind.RParen ? "')'" : "']'");
        return args;
    }

    private ListExpr ParseList()
    {
        var open = Advance();
        var elements = new List<CelExpr>();
        var flags = new List<bool>();
        while (Peek.Kind != TokenKind.RBracket)
        {
            flags.Add(Accept(TokenKind.Question));
            elements.Add(ParseExpr());
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Expect(TokenKind.RBracket, "']'");
        return Node(new ListExpr(open.Start, elements, flags));
    }

    private MapExpr ParseMap()
    {
        var open = Advance();
        var entries = new List<MapEntryExpr>();
        while (Peek.Kind != TokenKind.RBrace)
        {
            var optional = Accept(TokenKind.Question);
            var key = ParseExpr();
            Expect(TokenKind.Colon, "':'");
            entries.Add(new MapEntryExpr(key, ParseExpr(), optional));
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Expect(TokenKind.RBrace, "'}'");
        return Node(new MapExpr(open.Start, entries));
    }

    private StructExpr ParseStruct(int position, string typeName)
    {
        Advance();
        var fields = new List<FieldInitExpr>();
        while (Peek.Kind != TokenKind.RBrace)
        {
            var optional = Accept(TokenKind.Question);
            var name = Peek;
            if (name.Kind is not (TokenKind.Ident or TokenKind.QuotedIdent))
            {
                throw Unexpected(name, "IDENTIFIER");
            }

            Advance();
            Expect(TokenKind.Colon, "':'");
            fields.Add(new FieldInitExpr(name.Text, ParseExpr(), optional));
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Expect(TokenKind.RBrace, "'}'");
        return Node(new StructExpr(position, typeName, fields));
    }

    private CelExpr ExpandReceiverCall(int position, CelExpr target, string function, List<CelExpr> args)
    {
        if (_options.EnableMacros && TryExpandMacro(position, target, function, args) is { } macro)
        {
            return Node(macro);
        }

        return Node(new CallExpr(position, target, function, args));
    }

    private ComprehensionExpr? TryExpandMacro(int position, CelExpr target, string function, List<CelExpr> args)
    {
        switch (function, args.Count)
        {
            case ("all", 2):
                return Comprehension(position, MacroKind.All, function, target, args[0], null, null, args[1]);
            case ("all", 3):
                return Comprehension(position, MacroKind.All, function, target, args[0], args[1], null, args[2]);
            case ("exists", 2):
                return Comprehension(position, MacroKind.Exists, function, target, args[0], null, null, args[1]);
            case ("exists", 3):
                return Comprehension(position, MacroKind.Exists, function, target, args[0], args[1], null, args[2]);
            case ("exists_one" or "existsOne", 2):
                return Comprehension(position, MacroKind.ExistsOne, function, target, args[0], null, null, args[1]);
            case ("exists_one" or "existsOne", 3):
                return Comprehension(position, MacroKind.ExistsOne, function, target, args[0], args[1], null, args[2]);
            case ("map", 2):
                return Comprehension(position, MacroKind.Map, function, target, args[0], null, null, args[1]);
            case ("map", 3):
                return Comprehension(position, MacroKind.Map, function, target, args[0], null, args[1], args[2]);
            case ("filter", 2):
                var name = VarName(args[0]);
                return Comprehension(position, MacroKind.Filter, function, target, args[0], null, args[1], new IdentExpr(args[0].Position, name));
            case ("transformList", 3):
                return Comprehension(position, MacroKind.TransformList, function, target, args[0], args[1], null, args[2]);
            case ("transformList", 4):
                return Comprehension(position, MacroKind.TransformList, function, target, args[0], args[1], args[2], args[3]);
            case ("transformMap", 3):
                return Comprehension(position, MacroKind.TransformMap, function, target, args[0], args[1], null, args[2]);
            case ("transformMap", 4):
                return Comprehension(position, MacroKind.TransformMap, function, target, args[0], args[1], args[2], args[3]);
            case ("transformMapEntry", 3):
                return Comprehension(position, MacroKind.TransformMapEntry, function, target, args[0], args[1], null, args[2]);
            case ("transformMapEntry", 4):
                return Comprehension(position, MacroKind.TransformMapEntry, function, target, args[0], args[1], args[2], args[3]);
            case ("optMap", 2):
                return Comprehension(position, MacroKind.OptMap, function, target, args[0], null, null, args[1]);
            case ("optFlatMap", 2):
                return Comprehension(position, MacroKind.OptFlatMap, function, target, args[0], null, null, args[1]);
            case ("bind", 3) when target is IdentExpr { Name: "cel" }:
                return Comprehension(position, MacroKind.Bind, function, args[1], args[0], null, null, args[2]);
            default:
                return null;
        }
    }

    private ComprehensionExpr Comprehension(
        int position, MacroKind kind, string name, CelExpr range, CelExpr var1, CelExpr? var2, CelExpr? filter, CelExpr body)
    {
        var first = VarName(var1);
        var second = var2 is null ? null : VarName(var2);
        if (second is not null && second == first)
        {
            throw Error(_src, var2!.Position, $"duplicate variable name: {first}");
        }

        return new ComprehensionExpr(position, kind, name, range, first, second, filter, body);
    }

    private string VarName(CelExpr e) => e is IdentExpr { Name: var name } && !name.StartsWith('.')
        ? name
        : throw Error(_src, e.Position, "argument must be a simple name");
}
