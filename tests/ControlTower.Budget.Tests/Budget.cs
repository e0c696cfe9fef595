using Xunit.Sdk;

namespace ControlTower.Budget.Tests;

/// <summary>A budget: a ceiling a measured figure must stay under, named so a failure says which budget and by how much.</summary>
internal static class Budget
{
    public static void AtMost(string name, double measured, double budget, string unit)
    {
        if (measured > budget)
        {
            throw new XunitException($"Budget '{name}' exceeded: measured {measured:0.##} {unit}, budget {budget:0.##} {unit}.");
        }

        Console.WriteLine($"budget '{name}': measured {measured:0.##} {unit} of {budget:0.##} {unit} ({measured / budget:P0})");
    }
}
