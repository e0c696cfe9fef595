using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Triggers;

/// <summary>
/// A webhook with a synchronous <c>respond</c> whose run ends inside its start reads nothing but what its commit needs: the
/// route and the version come from memory, the reply from the committed state. Every command the app sends is counted.
/// </summary>
public sealed class WebhookQueryTests(ITestOutputHelper output)
{
    private sealed class CommandLog : DbCommandInterceptor
    {
        public ConcurrentQueue<string> Commands { get; } = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Commands.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Commands.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Delivery_WithSyncRespond_ReadsNoWorkflowVersionReleaseOrRunState(bool keyed)
    {
        var log = new CommandLog();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "60000",
            ["SCHEDULE_TRIGGERS"] = "false",
            ["RELEASE_CHECKS"] = "false",
        }).WithServices(services => services.AddSingleton<IInterceptor>(log));
        using var admin = factory.CreateAdminClient();
        using var anonymous = factory.CreateClient(apiKey: null);
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("hook", "trigger.webhook", new() { ["respondMode"] = "respond_node" }),
                Node("t1", "transform", new() { ["expression"] = "{'v': input.body.n + 1}" }),
                Node("t2", "transform", new() { ["expression"] = "{'v': nodes.t1.output.v + 1}" }),
                Node("reply", "respond", new() { ["status"] = 200, ["body"] = "{'v': nodes.t2.output.v}" }),
            ],
            [Edge("hook", "t1"), Edge("t1", "t2"), Edge("t2", "reply")]));
        await DeliverAsync(anonymous, workflow, keyed, expected: 3); // loads the route and the version once

        const int Deliveries = 5;
        log.Commands.Clear();
        for (var i = 0; i < Deliveries; i++)
        {
            await DeliverAsync(anonymous, workflow, keyed, expected: 3);
        }

        var commands = log.Commands.ToArray();
        output.WriteLine($"{commands.Length / (double)Deliveries:0.0} commands per delivery (keyed: {keyed}):");
        foreach (var command in commands.Take(commands.Length / Deliveries))
        {
            output.WriteLine(command.ReplaceLineEndings(" "));
        }

        Assert.DoesNotContain(commands, c => c.Contains("FROM \"workflows\"", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("FROM \"workflow_versions\"", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("FROM \"workflow_releases\"", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("FROM \"run_node_states\"", StringComparison.Ordinal));
        Assert.Equal(keyed ? Deliveries : 0, commands.Count(c => c.Contains("\"IdempotencyKey\" =", StringComparison.Ordinal)));
    }

    private static async Task DeliverAsync(HttpClient client, Guid workflow, bool keyed, int expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{workflow}/hook") { Content = JsonContent.Create(new { n = 1 }) };
        if (keyed)
        {
            request.Headers.Add("X-Delivery-Id", Guid.NewGuid().ToString("N"));
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, JsonNode.Parse(body)!["v"]!.GetValue<int>());
    }
}
