using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Planning;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Persistence;

namespace ControlTower.Server.Planning;

/// <summary>
/// <c>controltower plan "PROMPT" [--catalog tools.json] [--out wf.json]</c>: drafts a workflow with the configured planner
/// and prints the graph as JSON on stdout (and writes it to <c>--out</c>); explanations, assumptions and problems go to
/// stderr. The catalog file has the shape of <c>GET /api/mcp/tools</c>; without it the tools are those of the servers
/// registered in the configured database (connected once to list them). Exit 0 with a graph, 1 when no valid graph could
/// be drafted, 2 for a bad request or catalog file.
/// </summary>
internal static class PlannerCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "The workflow in plain language." };
        var catalogFile = new Option<FileInfo?>("--catalog") { Description = "MCP tools as GET /api/mcp/tools lists them (default: the registered servers')." };
        var outFile = new Option<FileInfo?>("--out") { Description = "Also write the graph to this file." };
        var command = new Command("plan", "Draft a workflow graph from plain language.") { Arguments = { prompt }, Options = { catalogFile, outFile } };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(prompt)!, parse.GetValue(catalogFile), parse.GetValue(outFile), [.. parse.UnmatchedTokens], ct));
        return command;
    }

    private static async Task<int> RunAsync(string prompt, FileInfo? catalogFile, FileInfo? outFile, string[] args, CancellationToken cancellationToken)
    {
        await using var app = ControlTowerApp.Build(["--Logging:LogLevel:Default=Warning", "--Logging:Console:LogToStandardErrorThreshold=Trace", .. args]);
        var planner = app.Services.GetRequiredService<PlannerService>();
        PlanDraft draft;
        try
        {
            var text = planner.CheckPrompt(prompt);
            var (tools, unread) = catalogFile is null ? await RegisteredAsync(app, cancellationToken) : (ReadCatalog(catalogFile), []);
            draft = await planner.PlanAsync(new PlanRequest(text, tools, null), unread, cancellationToken);
        }
        catch (ControlTowerException refused) when (refused.Kind == ErrorKind.Validation)
        {
            await Console.Error.WriteLineAsync($"controltower plan: {refused.Message} ({refused.Code})");
            return 2;
        }

        await ReportAsync(draft);
        if (draft.Graph is null)
        {
            return 1;
        }

        var json = draft.Graph.ToJsonString(Indented);
        if (outFile is not null)
        {
            await File.WriteAllTextAsync(outFile.FullName, json + "\n", cancellationToken);
        }

        await Console.Out.WriteLineAsync(json);
        return 0;
    }

    private static async Task<(IReadOnlyList<PlannerTool>, IReadOnlyList<string>)> RegisteredAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        await app.Services.GetRequiredService<McpServerStore>().LoadAsync(cancellationToken);
        return await PlannerService.RegisteredCatalogAsync(app.Services.GetRequiredService<McpCatalogLoader>(),
            app.Services.GetRequiredService<McpServerRegistry>(), app.Services.GetRequiredService<McpCatalog>(), cancellationToken);
    }

    private static async Task ReportAsync(PlanDraft draft)
    {
        await Console.Error.WriteLineAsync($"planner: {draft.Planner}{(draft.Model is null ? "" : $" ({draft.Model})")}");
        foreach (var line in draft.Explanation)
        {
            await Console.Error.WriteLineAsync($"  {line.NodeId}: {line.Text}");
        }

        foreach (var assumption in draft.Assumptions)
        {
            await Console.Error.WriteLineAsync($"assumption: {assumption}");
        }

        foreach (var problem in draft.Problems)
        {
            await Console.Error.WriteLineAsync($"problem {problem.Code}{(problem.Pointer is null ? "" : $" at {problem.Pointer}")}: {problem.Message}");
        }
    }

    /// <summary>The tools of a <c>GET /api/mcp/tools</c> document (<c>{ "tools": [...] }</c>).</summary>
    public static IReadOnlyList<PlannerTool> ReadCatalog(FileInfo file)
    {
        try
        {
            return PlannerCatalogJson.Parse(JsonNode.Parse(File.ReadAllText(file.FullName)));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{file.Name} is not a tool catalog of the shape of GET /api/mcp/tools: {ex.Message}");
        }
    }

    private static ControlTowerException Invalid(string message) => new(ErrorKind.Validation, PlannerErrorCodes.CatalogInvalid, message);
}
