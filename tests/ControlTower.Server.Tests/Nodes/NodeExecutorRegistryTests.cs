using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Caching;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Releases;
using ControlTower.Server.Workflows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Nodes;

public sealed class NodeExecutorRegistryTests
{
    private static ServiceProvider Services()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([]).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddPersistence(DatabaseConnection.Resolve(new DatabaseOptions(), new PlatformOptions { DataDirectory = Path.GetTempPath() }))
            .AddMcpFederation()
            .AddSingleton<WorkflowGraphValidation>()
            .AddSharedCache(configuration)
            .AddWorkflowDefinitions()
            .AddReleases(configuration) // the subworkflow executor asks the release which version a child pins
            .AddNodeExecutors()
            .BuildServiceProvider();
    }

    [Fact]
    public async Task AddNodeExecutors_RegistersAnExecutorForEveryRunnableTypeOfThisMilestone()
    {
        await using var services = Services();

        var registry = services.GetRequiredService<NodeExecutorRegistry>();

        Assert.Equal(
            ["condition", "delay", "fail", "http.request", "llm", "mcp.tool", "merge", "respond", "subworkflow", "switch", "transform"],
            registry.NodeTypes.Order(StringComparer.Ordinal));
        foreach (var type in registry.NodeTypes)
        {
            Assert.True(NodeTypeCatalog.BuiltIn.TryGet(type, out var descriptor), type);
            Assert.NotEqual(NodeCategory.Trigger, descriptor.Category);
            Assert.Contains(type, registry.Resolve(type).NodeTypes);
        }
    }

    [Theory]
    [InlineData("trigger.manual")]
    [InlineData("approval")]
    [InlineData("no.such.type")]
    public async Task Resolve_WhenTypeHasNoExecutor_ThrowsTypeUnsupported(string type)
    {
        await using var services = Services();
        var registry = services.GetRequiredService<NodeExecutorRegistry>();

        var error = Assert.Throws<ControlTowerException>(() => registry.Resolve(type));

        Assert.Equal(NodeErrorCodes.TypeUnsupported, error.Code);
        Assert.False(registry.TryGet(type, out _));
    }

    [Fact]
    public void Constructor_WhenTwoExecutorsClaimOneType_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new NodeExecutorRegistry([new MergeExecutor(), new MergeExecutor()]));

        Assert.Contains("'merge'", error.Message, StringComparison.Ordinal);
    }
}
