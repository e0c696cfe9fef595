using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Budget.Tests;

/// <summary>Allocated bytes per CEL evaluation, on this thread only: deterministic, whatever else the machine does.</summary>
public sealed class CelBudgetTests
{
    // Measured 2026-12-07: condition 1,048 B, mapping 8,808 B per evaluation.
    private const double ConditionBytesBudget = 2_048;
    private const double MappingBytesBudget = 16_384;

    private static readonly JsonObject Activation = JsonNode.Parse("""
        { "input": { "amount": 250, "tags": ["new", "vip", "urgent"], "customer": {"name": "Ada", "id": 7},
          "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}, {"sku": "C-3", "qty": 5}] } }
        """)!.AsObject();

    [Fact]
    public void EvaluateCondition_AllocatesWithinBudget()
    {
        var program = Cel.Compile("input.amount > 100 && input.tags.exists(t, t == \"urgent\")");

        var bytes = Allocations.PerCallOnThisThread(() => program.EvaluateBool(Activation));

        Budget.AtMost("CEL condition evaluation", bytes, ConditionBytesBudget, "B/eval");
    }

    [Fact]
    public void EvaluateMapping_AllocatesWithinBudget()
    {
        var program = Cel.Compile("{'customer': input.customer.name, 'total': double(input.amount) * 1.2, 'urgent': 'urgent' in input.tags, " +
            "'lines': input.lines.map(l, {'sku': l.sku, 'qty': l.qty})}");

        var bytes = Allocations.PerCallOnThisThread(() => program.Evaluate(Activation));

        Budget.AtMost("CEL mapping evaluation", bytes, MappingBytesBudget, "B/eval");
    }
}
