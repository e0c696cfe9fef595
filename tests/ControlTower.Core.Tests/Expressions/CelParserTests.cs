using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelParserTests
{
    [Theory]
    [InlineData("a +", 1, 4)]
    [InlineData("x.y(\n  1,, 2)", 2, 5)]
    [InlineData("'unterminated", 1, 1)]
    [InlineData("if", 1, 1)]
    public void Compile_WhenSyntaxError_ThrowsParseErrorWithLineColumnAndCaret(string source, int line, int column)
    {
        var ex = Assert.Throws<CelException>(() => Cel.Compile(source));

        Assert.Equal(CelErrorCodes.ParseError, ex.Code);
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.Equal(line, ex.Details["line"]);
        Assert.Contains("^", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"<input>:{line}:{column}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_WhenSourceTooLong_ThrowsLimitExceeded()
    {
        var options = CelOptions.Default with { MaxSourceLength = 10 };

        var ex = Assert.Throws<CelException>(() => Cel.Compile("1 + 2 + 3 + 4", options));

        Assert.Equal(CelErrorCodes.LimitExceeded, ex.Code);
    }

    [Theory]
    [InlineData("((((((((((((1))))))))))))")]
    [InlineData("1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1")]
    [InlineData("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]")]
    public void Compile_WhenNestingTooDeep_ThrowsLimitExceeded(string source)
    {
        var options = CelOptions.Default with { MaxNestingDepth = 8 };

        var ex = Assert.Throws<CelException>(() => Cel.Compile(source, options));

        Assert.Equal(CelErrorCodes.LimitExceeded, ex.Code);
    }

    [Fact]
    public void Compile_WhenVeryLongOperatorChain_ThrowsTypedErrorNotStackOverflow()
    {
        var source = string.Join(" + ", Enumerable.Repeat("1", 5000));

        var ex = Assert.Throws<CelException>(() => Cel.Compile(source));

        Assert.Equal(CelErrorCodes.LimitExceeded, ex.Code);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("!", "")]
    [InlineData("f(", ")")]
    [InlineData("(1 + ", ")")]
    public void Evaluate_WhenNestedToTheDefaultLimit_RunsOnASmallStack(string open, string close)
    {
        var depth = CelOptions.Default.MaxNestingDepth - 2;
        var source = string.Concat(Enumerable.Repeat(open, depth)) + "true" + string.Concat(Enumerable.Repeat(close, depth));
        Exception? failure = null;

        var thread = new Thread(
            () =>
            {
                try
                {
                    Cel.Compile(source).Evaluate([]);
                }
                catch (CelException ex)
                {
                    failure = ex.Code == CelErrorCodes.EvalError ? null : ex;
                }
            },
            maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(failure);
    }

    [Theory]
    [InlineData("r'\\n'", "\\n")]
    [InlineData("'''a\nb'''", "a\nb")]
    [InlineData("\"\\u00e9\\x41\\101\"", "éAA")]
    [InlineData("'\\U0001F600'", "\U0001F600")]
    public void Compile_WhenStringLiteral_DecodesEscapes(string source, string expected)
    {
        var value = Cel.Compile(source).Evaluate([]);

        Assert.Equal(expected, value!.GetValue<string>());
    }

    [Theory]
    [InlineData("0x1F", "31")]
    [InlineData("0xFFu", "255")]
    [InlineData("-9223372036854775808", "\"-9223372036854775808\"")]
    [InlineData("18446744073709551615u", "\"18446744073709551615\"")]
    [InlineData("b'\\xff\\x00'", "\"/wA=\"")]
    [InlineData("1e3", "1000")]
    [InlineData(".5", "0.5")]
    public void Compile_WhenNumberOrBytesLiteral_EvaluatesToJson(string source, string json)
    {
        Assert.Equal(json, Cel.Compile(source).Evaluate([])!.ToJsonString());
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("'\\q'")]
    [InlineData("a.b(")]
    [InlineData("[1, 2")]
    [InlineData("has(a)")]
    [InlineData("[1].map(1, 2)")]
    [InlineData("a = b")]
    public void Check_WhenInvalid_ReturnsDiagnosticWithoutThrowing(string source)
    {
        var diagnostics = Cel.Check(source);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(CelErrorCodes.ParseError, diagnostic.Code);
        Assert.True(diagnostic.Line >= 1);
    }

    [Fact]
    public void Check_WhenValid_ReturnsNoDiagnostics()
    {
        Assert.Empty(Cel.Check("input.amount > 100 && input.tags.exists(t, t == 'urgent')"));
    }

    [Theory]
    [InlineData("a.b.c")]
    [InlineData("x[?0].?y")]
    [InlineData("{?'a': x, 'b': [1, ?y]}")]
    [InlineData("has(a.b) ? -(x) : !(y)")]
    [InlineData("[1, 2].map(x, x > 1, x * 2).filter(y, y < 4)")]
    [InlineData("m.all(k, v, k == v)")]
    [InlineData("cel.bind(z, 1 + 2, z * z)")]
    [InlineData("google.protobuf.Int32Value{value: 1}")]
    [InlineData("a.`foo-bar`")]
    [InlineData("-1.5 - -2 - 3u")]
    [InlineData("\"q\\\"\\n\" + b\"\\x00a\"")]
    public void Print_WhenParsedAgain_GivesSameTree(string source)
    {
        var tree = CelParser.Parse(source);

        var reparsed = CelParser.Parse(CelPrinter.Print(tree));

        Assert.Equal(CelPrinter.Dump(tree), CelPrinter.Dump(reparsed));
    }
}
