using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelCheckerTests
{
    private static CelOptions Declared(params (string Name, string Type)[] variables) =>
        CelOptions.Default with { Variables = variables.ToDictionary(v => v.Name, v => v.Type) };

    [Theory]
    [InlineData("input.amount > 100 && tags.exists(t, t == 'urgent')", "bool")]
    [InlineData("tags.map(t, size(t))", "list(int)")]
    [InlineData("{'n': count, 'ok': true}", "map(string, dyn)")]
    [InlineData("[count, 2, 3][0] + 1", "int")]
    [InlineData("tags.filter(t, t != '')", "list(string)")]
    [InlineData("optional.of(count).orValue(0)", "int")]
    [InlineData("when + duration('1h')", "google.protobuf.Timestamp")]
    [InlineData("[]", "list(dyn)")]
    [InlineData("type(count)", "type(int)")]
    public void Compile_WhenVariablesDeclared_DeducesResultType(string source, string expected)
    {
        var options = Declared(("input", "map(string, dyn)"), ("tags", "list(string)"), ("count", "int"), ("when", "timestamp"));

        var program = Cel.Compile(source, options);

        Assert.Equal(expected, program.ResultType);
    }

    [Fact]
    public void Compile_WhenUndeclaredVariable_ThrowsCheckErrorWithPosition()
    {
        var ex = Assert.Throws<CelException>(() => Cel.Compile("count +\n  missing", Declared(("count", "int"))));

        Assert.Equal(CelErrorCodes.CheckError, ex.Code);
        Assert.Equal(2, ex.Line);
        Assert.Equal(3, ex.Column);
        Assert.Contains("undeclared reference to 'missing'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("count + 'x'")]
    [InlineData("count == 1u")]
    [InlineData("name.startsWith(1)")]
    [InlineData("count && true")]
    [InlineData("count.exists(x, x > 1)")]
    [InlineData("nosuchfunction(count)")]
    public void Check_WhenTypesDoNotFit_ReportsCheckError(string source)
    {
        var diagnostics = Cel.Check(source, Declared(("count", "int"), ("name", "string")));

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.Equal(CelErrorCodes.CheckError, d.Code));
    }

    [Fact]
    public void Check_WhenSeveralProblems_ReportsEach()
    {
        var diagnostics = Cel.Check("a + 1 == b && c", Declared(("x", "int")));

        Assert.Equal(3, diagnostics.Count);
    }

    [Fact]
    public void Check_WhenDynamicValues_AcceptsThem()
    {
        Assert.Empty(Cel.Check("dyn(count) == 1u && input.x.y.z > 3", Declared(("count", "int"), ("input", "dyn"))));
    }

    [Fact]
    public void Check_WhenDeclaredTypeInvalid_ReportsCheckError()
    {
        var diagnostics = Cel.Check("x", Declared(("x", "list(int")));

        Assert.Equal(CelErrorCodes.CheckError, Assert.Single(diagnostics).Code);
    }

    [Fact]
    public void Compile_WhenNoVariablesDeclared_SkipsChecking()
    {
        var program = Cel.Compile("anything.goes + 1");

        Assert.Null(program.ResultType);
    }
}
