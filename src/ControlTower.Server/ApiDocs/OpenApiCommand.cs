using System.CommandLine;
using ControlTower.Server.Platform;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlTower.Server.ApiDocs;

/// <summary>
/// <c>controltower openapi [--out FILE]</c>: writes the OpenAPI document the server serves at <c>/openapi/v1.json</c>,
/// without serving or opening the database, so the dashboard's TypeScript types can be generated from a file
/// (the committed copy is <c>src/ControlTower.Web/openapi.json</c>; OpenApiDocumentTests keeps it up to date).
/// </summary>
internal static class OpenApiCommand
{
    public static Command Create()
    {
        var outFile = new Option<FileInfo?>("--out") { Description = "Write the document to this file (default: standard output)." };
        var command = new Command("openapi", "Write the API's OpenAPI document.") { Options = { outFile } };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(outFile), [.. parse.UnmatchedTokens], ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? outFile, string[] args, CancellationToken cancellationToken)
    {
        await using var app = ControlTowerApp.Build(["--Logging:LogLevel:Default=Warning", "--Logging:Console:LogToStandardErrorThreshold=Trace", .. args]);
        // Endpoints reach the API explorer when the pipeline is built at start; this command never starts the app
        // (no database, no workers), so it hands them over the way UseEndpoints does.
        app.UseRouting();
        app.UseEndpoints(_ => { });
        var json = await WriteAsync(app.Services, cancellationToken);
        if (outFile is null)
        {
            await Console.Out.WriteAsync(json);
            return 0;
        }

        await File.WriteAllTextAsync(outFile.FullName, json, cancellationToken);
        await Console.Error.WriteLineAsync($"wrote {outFile.FullName}");
        return 0;
    }

    /// <summary>The document as OpenAPI 3.1 JSON, the version <c>/openapi/v1.json</c> serves.</summary>
    public static async Task<string> WriteAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(ApiDocsEndpoints.DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, cancellationToken) + "\n";
    }
}
