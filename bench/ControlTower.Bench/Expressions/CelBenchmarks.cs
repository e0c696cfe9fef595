using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ControlTower.Core.Expressions;

namespace ControlTower.Bench.Expressions;

/// <summary>Compile and evaluate a typical edge condition and a typical mapping.</summary>
[MemoryDiagnoser]
public class CelBenchmarks
{
    private const string Condition = "input.amount > 100 && input.tags.exists(t, t == \"urgent\")";

    private const string Mapping =
        "{'customer': input.customer.name, 'total': double(input.amount) * 1.2, 'urgent': 'urgent' in input.tags, " +
        "'lines': input.lines.map(l, {'sku': l.sku, 'qty': l.qty})}";

    private readonly CelProgram _condition = Cel.Compile(Condition);
    private readonly CelProgram _mapping = Cel.Compile(Mapping);
    private readonly JsonObject _activation = JsonNode.Parse("""
        {
          "input": {
            "amount": 250,
            "tags": ["new", "vip", "urgent"],
            "customer": {"name": "Ada", "id": 7},
            "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}, {"sku": "C-3", "qty": 5}]
          }
        }
        """)!.AsObject();

    [Benchmark]
    public CelProgram CompileCondition() => Cel.Compile(Condition);

    [Benchmark]
    public bool EvaluateCondition() => _condition.EvaluateBool(_activation);

    [Benchmark]
    public CelProgram CompileMapping() => Cel.Compile(Mapping);

    [Benchmark]
    public JsonNode? EvaluateMapping() => _mapping.Evaluate(_activation);
}
