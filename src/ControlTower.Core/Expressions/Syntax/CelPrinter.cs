using System.Globalization;
using System.Text;

namespace ControlTower.Core.Expressions;

/// <summary>
/// Prints a tree back to CEL source that parses to the same tree (binary operators fully parenthesised,
/// macros in their source form). Also used to name the failing sub-expression in evaluation errors.
/// </summary>
internal static class CelPrinter
{
    private static readonly Dictionary<string, string> BinaryOperators = new()
    {
        ["_||_"] = "||",
        ["_&&_"] = "&&",
        ["_==_"] = "==",
        ["_!=_"] = "!=",
        ["_<_"] = "<",
        ["_<=_"] = "<=",
        ["_>_"] = ">",
        ["_>=_"] = ">=",
        ["@in"] = "in",
        ["_+_"] = "+",
        ["_-_"] = "-",
        ["_*_"] = "*",
        ["_/_"] = "/",
        ["_%_"] = "%",
    };

    public static string Print(CelExpr expr)
    {
        var sb = new StringBuilder();
        Write(sb, expr);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, CelExpr expr)
    {
        switch (expr)
        {
            case ConstantExpr c:
                WriteConstant(sb, c.Value);
                break;
            case IdentExpr id:
                sb.Append(id.Name);
                break;
            case SelectExpr s:
                WriteSelect(sb, s);
                break;
            case CallExpr call:
                WriteCall(sb, call);
                break;
            case ListExpr list:
                sb.Append('[');
                for (var i = 0; i < list.Elements.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "").Append(list.OptionalFlags[i] ? "?" : "");
                    Write(sb, list.Elements[i]);
                }

                sb.Append(']');
                break;
            case MapExpr map:
                sb.Append('{');
                for (var i = 0; i < map.Entries.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "").Append(map.Entries[i].Optional ? "?" : "");
                    Write(sb, map.Entries[i].Key);
                    sb.Append(": ");
                    Write(sb, map.Entries[i].Value);
                }

                sb.Append('}');
                break;
            case StructExpr st:
                sb.Append(st.TypeName).Append('{');
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "").Append(st.Fields[i].Optional ? "?" : "");
                    WriteFieldName(sb, st.Fields[i].Name);
                    sb.Append(": ");
                    Write(sb, st.Fields[i].Value);
                }

                sb.Append('}');
                break;
            case ComprehensionExpr comp:
                WriteComprehension(sb, comp);
                break;
        }
    }

    private static void WriteSelect(StringBuilder sb, SelectExpr s)
    {
        if (s.TestOnly)
        {
            sb.Append("has(");
        }

        WriteOperand(sb, s.Operand);
        sb.Append(s.Optional ? ".?" : ".");
        WriteFieldName(sb, s.Field);
        if (s.TestOnly)
        {
            sb.Append(')');
        }
    }

    private static void WriteFieldName(StringBuilder sb, string name)
    {
        var simple = name.Length > 0 && (name[0] == '_' || char.IsAsciiLetter(name[0])) && name.All(c => c == '_' || char.IsAsciiLetterOrDigit(c));
        sb.Append(simple ? name : "`" + name + "`");
    }

    /// <summary>Operands of member access need parentheses unless they are primaries.</summary>
    private static void WriteOperand(StringBuilder sb, CelExpr operand)
    {
        var needsParens = operand is CallExpr { Target: null } call && (BinaryOperators.ContainsKey(call.Function) || call.Function is "!_" or "-_" or "_?_:_")
            || operand is ConstantExpr { Value: long l } && l < 0
            || operand is ConstantExpr { Value: double d } && (d < 0 || double.IsNegative(d));
        if (needsParens)
        {
            sb.Append('(');
            Write(sb, operand);
            sb.Append(')');
        }
        else
        {
            Write(sb, operand);
        }
    }

    private static void WriteCall(StringBuilder sb, CallExpr call)
    {
        if (call.Target is null && call.Args.Count == 2 && BinaryOperators.TryGetValue(call.Function, out var op))
        {
            sb.Append('(');
            Write(sb, call.Args[0]);
            sb.Append(' ').Append(op).Append(' ');
            Write(sb, call.Args[1]);
            sb.Append(')');
            return;
        }

        switch (call.Function)
        {
            case "_?_:_" when call.Args.Count == 3:
                sb.Append('(');
                Write(sb, call.Args[0]);
                sb.Append(" ? ");
                Write(sb, call.Args[1]);
                sb.Append(" : ");
                Write(sb, call.Args[2]);
                sb.Append(')');
                return;
            case "!_" when call.Args.Count == 1:
                sb.Append("!(");
                Write(sb, call.Args[0]);
                sb.Append(')');
                return;
            case "-_" when call.Args.Count == 1:
                sb.Append("-(");
                Write(sb, call.Args[0]);
                sb.Append(')');
                return;
            case "_[_]" or "_[?_]" when call.Args.Count == 2:
                WriteOperand(sb, call.Args[0]);
                sb.Append(call.Function == "_[_]" ? "[" : "[?");
                Write(sb, call.Args[1]);
                sb.Append(']');
                return;
        }

        if (call.Target is not null)
        {
            WriteOperand(sb, call.Target);
            sb.Append('.');
        }

        sb.Append(call.Function).Append('(');
        for (var i = 0; i < call.Args.Count; i++)
        {
            sb.Append(i > 0 ? ", " : "");
            Write(sb, call.Args[i]);
        }

        sb.Append(')');
    }

    private static void WriteComprehension(StringBuilder sb, ComprehensionExpr comp)
    {
        if (comp.Kind == MacroKind.Bind)
        {
            sb.Append("cel.bind(").Append(comp.Var1).Append(", ");
            Write(sb, comp.Range);
            sb.Append(", ");
            Write(sb, comp.Body);
            sb.Append(')');
            return;
        }

        WriteOperand(sb, comp.Range);
        sb.Append('.').Append(comp.MacroName).Append('(').Append(comp.Var1);
        if (comp.Var2 is not null)
        {
            sb.Append(", ").Append(comp.Var2);
        }

        if (comp.Filter is not null)
        {
            sb.Append(", ");
            Write(sb, comp.Filter);
        }

        if (comp.Kind != MacroKind.Filter)
        {
            sb.Append(", ");
            Write(sb, comp.Body);
        }

        sb.Append(')');
    }

    private static void WriteConstant(StringBuilder sb, object value)
    {
        switch (value)
        {
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case ulong u:
                sb.Append(u.ToString(CultureInfo.InvariantCulture)).Append('u');
                break;
            case double d:
                sb.Append(DoubleLiteral(d));
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case string s:
                WriteString(sb, s);
                break;
            case CelBytes bytes:
                sb.Append("b\"");
                foreach (var b in bytes.Data)
                {
                    if (b is >= 0x20 and < 0x7f && b != '"' && b != '\\')
                    {
                        sb.Append((char)b);
                    }
                    else
                    {
                        sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    }
                }

                sb.Append('"');
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static string DoubleLiteral(double d)
    {
        if (double.IsPositiveInfinity(d))
        {
            return "1e999";
        }

        if (double.IsNegativeInfinity(d))
        {
            return "-1e999";
        }

        if (double.IsNaN(d))
        {
            return "double(\"NaN\")";
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal))
        {
            var mantissaEnd = text.IndexOf('E', StringComparison.Ordinal);
            var mantissa = text[..mantissaEnd];
            return (mantissa.Contains('.', StringComparison.Ordinal) ? mantissa : mantissa + ".0") + "e" + text[(mantissaEnd + 1)..];
        }

        if (text == "0" && double.IsNegative(d))
        {
            return "-0.0";
        }

        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>A position-free structural rendering of the tree, for comparing trees in tests.</summary>
    public static string Dump(CelExpr expr)
    {
        return expr switch
        {
            ConstantExpr c => c.Value switch
            {
                double d => "double:" + d.ToString("R", CultureInfo.InvariantCulture),
                CelBytes b => "bytes:" + b,
                _ => c.Value.GetType().Name + ":" + Convert.ToString(c.Value, CultureInfo.InvariantCulture),
            },
            IdentExpr id => "id:" + id.Name,
            SelectExpr s => $"sel({Dump(s.Operand)},{s.Field},{s.TestOnly},{s.Optional})",
            CallExpr call => $"call({(call.Target is null ? "-" : Dump(call.Target))},{call.Function},[{string.Join(",", call.Args.Select(Dump))}])",
            ListExpr list => $"list[{string.Join(",", list.Elements.Select((e, i) => (list.OptionalFlags[i] ? "?" : "") + Dump(e)))}]",
            MapExpr map => $"map[{string.Join(",", map.Entries.Select(e => (e.Optional ? "?" : "") + Dump(e.Key) + ":" + Dump(e.Value)))}]",
            StructExpr st => $"struct {st.TypeName}[{string.Join(",", st.Fields.Select(f => (f.Optional ? "?" : "") + f.Name + ":" + Dump(f.Value)))}]",
            ComprehensionExpr comp =>
                $"comp({comp.Kind},{comp.MacroName},{Dump(comp.Range)},{comp.Var1},{comp.Var2},{(comp.Filter is null ? "-" : Dump(comp.Filter))},{Dump(comp.Body)})",
            _ => expr.GetType().Name,
        };
    }
}
