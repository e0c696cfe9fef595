using System.CommandLine;
using ControlTower.Core.Expressions;

namespace ControlTower.Server.Expressions;

/// <summary><c>controltower cel conformance &lt;folder&gt;</c>: runs every cel-spec conformance JSON file in a folder.</summary>
internal static class CelConformanceCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder")
        {
            Description = "Folder holding cel-spec conformance tests in JSON (one <name>.json per source file)",
        };
        var details = new Option<bool>("--details")
        {
            Description = "Also list every failed and excluded test with its reason",
        };
        var command = new Command("conformance", "Run CEL conformance tests and print pass/fail/excluded per file");
        command.Arguments.Add(folder);
        command.Options.Add(details);
        command.SetAction(parseResult => Run(
            parseResult.GetValue(folder)!,
            parseResult.GetValue(details),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Prints the table (last line <c>N passed, N failed, N excluded</c>); exit code 1 when any test failed.</summary>
    internal static int Run(DirectoryInfo folder, bool details, TextWriter output, TextWriter error)
    {
        if (!folder.Exists)
        {
            error.WriteLine($"folder not found: {folder.FullName}");
            return 2;
        }

        var results = new List<CelConformanceResult>();
        foreach (var file in folder.GetFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            results.AddRange(CelConformanceRunner.Run(file.Name, File.ReadAllText(file.FullName)));
        }

        if (details)
        {
            output.Write(CelConformanceRunner.FormatDetails(results));
            output.WriteLine();
        }

        output.WriteLine(CelConformanceRunner.FormatTable(results));
        return results.Any(r => r.Outcome == CelConformanceOutcome.Failed) ? 1 : 0;
    }
}
