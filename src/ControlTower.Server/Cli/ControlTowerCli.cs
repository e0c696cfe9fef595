using System.CommandLine;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Cli;

/// <summary>
/// The <c>controltower</c> command line: <c>serve</c> (the default), <c>migrate</c>, <c>audit verify</c>,
/// <c>users create</c>, <c>apikeys create|revoke</c>, <c>run</c> (headless), <c>plan</c> (a draft from plain language), <c>demo simulate</c>, <c>openapi</c>.
/// Every command reads the same configuration as the server.
/// </summary>
internal static class ControlTowerCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Control Tower: governed workflow automation.") { TreatUnmatchedTokensAsErrors = false };
        var serve = new Command("serve", "Run the server (the default command).") { TreatUnmatchedTokensAsErrors = false };
        serve.SetAction((parse, ct) => ServeAsync([.. parse.UnmatchedTokens], ct));
        root.SetAction((parse, ct) => UnknownCommand(parse.UnmatchedTokens) is { } word
            ? RefuseUnknownCommandAsync(root, word)
            : ServeAsync([.. parse.UnmatchedTokens], ct));
        root.Subcommands.Add(serve);
        root.Subcommands.Add(MigrateCommand());
        root.Subcommands.Add(AuditCommand());
        root.Subcommands.Add(UsersCommand());
        root.Subcommands.Add(ApiKeysCommand());
        root.Subcommands.Add(new Command("cel", "CEL, the expression language.") { Subcommands = { Expressions.CelConformanceCommand.Create() } });
        root.Subcommands.Add(Credentials.CredentialsCommand.Create());
        root.Subcommands.Add(McpHost.McpStdioCommand.Create());
        root.Subcommands.Add(Mcp.McpClientCommand.Create());
        root.Subcommands.Add(HeadlessRunCommand.Create());
        root.Subcommands.Add(Pharmacy.PharmacyMcpCommand.Create());
        root.Subcommands.Add(Planning.PlannerCommand.Create());
        root.Subcommands.Add(Trust.Learning.TrustEvaluateCommand.Create());
        root.Subcommands.Add(Demo.Simulation.SimulateCommand.Create());
        root.Subcommands.Add(Retention.PruneCommand.Create());
        root.Subcommands.Add(ApiDocs.OpenApiCommand.Create());

        try
        {
            // The default exception handler is off: failures below are reported here, and the test host's
            // own stop signal must pass through untouched.
            // "@file" is the run command's input file, not a response file.
            return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OptionsValidationException invalid)
        {
            await Console.Error.WriteLineAsync($"controltower refuses to start: {string.Join(" ", invalid.Failures)}");
            return 2;
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // Several option classes failed their start-up checks at once: report every reason.
            var reasons = invalid.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures);
            await Console.Error.WriteLineAsync($"controltower refuses to start: {string.Join(" ", reasons)}");
            return 2;
        }
        catch (ControlTowerException failure)
        {
            await Console.Error.WriteLineAsync($"controltower: {failure.Message} ({failure.Code})");
            return 2;
        }
        catch (System.Data.Common.DbException failure)
        {
            // An unreachable server or refused login at start: the driver's message, not a stack trace.
            await Console.Error.WriteLineAsync($"controltower cannot use the database that DATABASE_URL names: {failure.Message}");
            return 2;
        }
    }

    /// <summary>
    /// A bare first word is a mistyped command, not a host setting: settings are <c>--key value</c>, <c>/key value</c>
    /// or <c>key=value</c>, so only a setting's value is ever a bare word, and never the first token.
    /// </summary>
    private static string? UnknownCommand(IReadOnlyList<string> unmatched) =>
        unmatched is [var first, ..] && !first.StartsWith('-') && !first.StartsWith('/') && !first.Contains('=') ? first : null;

    private static async Task<int> RefuseUnknownCommandAsync(RootCommand root, string word)
    {
        var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => $"  {c.Name,-12} {c.Description}");
        await Console.Error.WriteLineAsync($"controltower: '{word}' is not a command. The commands are:\n{string.Join('\n', commands)}");
        return 1;
    }

    private static async Task<int> ServeAsync(string[] args, CancellationToken cancellationToken)
    {
        await using var app = ControlTowerApp.Build(args);
        await app.StartAsync(cancellationToken);
        var mode = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value.Mode;
        foreach (var url in app.Urls)
        {
            await Console.Out.WriteLineAsync($"Control Tower ({mode.ToString().ToLowerInvariant()}) is running: dashboard and API at {url}");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private static Command MigrateCommand()
    {
        var command = new Command("migrate", "Apply pending database migrations.");
        command.SetAction(async (parse, ct) =>
        {
            await using var app = BuildValidated([.. parse.UnmatchedTokens]);
            var applied = await app.Services.GetRequiredService<DatabaseInitializer>().MigrateAsync(ct);
            await Console.Out.WriteLineAsync(applied.Count == 0 ? "The database is up to date." : $"Applied: {string.Join(", ", applied)}");
            return 0;
        });
        return command;
    }

    private static Command AuditCommand()
    {
        var verify = new Command("verify", "Verify the audit log's hash chain; exit 1 if it is broken.");
        verify.SetAction(async (parse, ct) =>
        {
            await using var app = await BuildReadyAsync([.. parse.UnmatchedTokens], ct);
            var result = await app.Services.GetRequiredService<AuditQueries>().VerifyAsync(ct);
            if (result.Intact)
            {
                await Console.Out.WriteLineAsync($"intact: {result.EntriesChecked} entries, head {result.HeadHash}");
                return 0;
            }

            var broken = result.FirstBreak!;
            await Console.Out.WriteLineAsync($"broken at entry {broken.Sequence}: {broken.Problem}: {broken.Detail} ({result.EntriesChecked} entries verified before it)");
            return 1;
        });
        return new Command("audit", "The audit log.") { Subcommands = { verify } };
    }

    private static Command UsersCommand()
    {
        var name = new Option<string>("--name") { Required = true, Description = "User name (lower-case letters, digits, . _ -)." };
        var role = new Option<string>("--role") { Required = true, Description = $"One of {string.Join(", ", Roles.All)}." };
        var email = new Option<string?>("--email");
        var create = new Command("create", "Create a user.") { Options = { name, role, email } };
        create.SetAction(async (parse, ct) =>
        {
            await using var app = await BuildReadyAsync([.. parse.UnmatchedTokens], ct);
            var user = await app.Services.GetRequiredService<IdentityService>().CreateUserAsync(
                CliActor, new CreateUserRequest(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(email)), ct);
            await Console.Out.WriteLineAsync(user.Id.ToString());
            return 0;
        });
        return new Command("users", "Users.") { Subcommands = { create } };
    }

    private static Command ApiKeysCommand()
    {
        var user = new Option<string>("--user") { Required = true, Description = "The user name the key acts as." };
        var keyName = new Option<string>("--name") { Required = true, Description = "What the key is for." };
        var create = new Command("create", "Issue an API key; it is printed once and never stored.") { Options = { user, keyName } };
        create.SetAction(async (parse, ct) =>
        {
            await using var app = await BuildReadyAsync([.. parse.UnmatchedTokens], ct);
            var identity = app.Services.GetRequiredService<IdentityService>();
            var owner = await identity.FindUserByNameAsync(parse.GetValue(user)!, ct);
            var created = await identity.CreateApiKeyAsync(CliActor, owner.Id, parse.GetValue(keyName)!, ct);
            await Console.Error.WriteLineAsync($"Key {created.ApiKey.Id} for {owner.Name}; store it now, it is not shown again:");
            await Console.Out.WriteLineAsync(created.Key);
            return 0;
        });

        var id = new Argument<Guid>("id") { Description = "The key's id." };
        var revoke = new Command("revoke", "Revoke an API key.") { Arguments = { id } };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var app = await BuildReadyAsync([.. parse.UnmatchedTokens], ct);
            await app.Services.GetRequiredService<IdentityService>().RevokeApiKeyAsync(CliActor, parse.GetValue(id), null, "revoked from the command line", ct);
            await Console.Out.WriteLineAsync("revoked");
            return 0;
        });
        return new Command("apikeys", "API keys.") { Subcommands = { create, revoke } };
    }

    private static string CliActor => $"cli:{Environment.UserName}";

    /// <summary>The app, built but not serving, with every option validated as a start would.</summary>
    private static WebApplication BuildValidated(string[] args)
    {
        var app = ControlTowerApp.Build(args);
        _ = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<AuditOptions>>().Value;
        return app;
    }

    /// <summary>Validated, schema in place (migrated in demo/development, checked in production), built-in admin present.</summary>
    private static async Task<WebApplication> BuildReadyAsync(string[] args, CancellationToken cancellationToken)
    {
        var app = BuildValidated(args);
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        await app.Services.GetRequiredService<BuiltInUsers>().EnsureAdminAsync(cancellationToken);
        return app;
    }
}
