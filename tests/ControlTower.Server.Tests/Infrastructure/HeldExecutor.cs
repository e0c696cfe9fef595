using ControlTower.Server.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// Stands in for the app's executor of <typeparamref name="TExecutor"/>'s node types and holds each attempt at its
/// start until the test releases it, so a test can change the world (cancel the run) between "the engine started
/// the attempt" and "the executor acts". The real executor then runs without the engine's cancellation, as one in
/// another process does: a cancelling process can only cancel the attempts it runs itself.
/// </summary>
internal sealed class HeldExecutor<TExecutor> : INodeExecutor
    where TExecutor : class, INodeExecutor
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<NodeResult> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private INodeExecutor? _inner;

    private HeldExecutor()
    {
    }

    public IReadOnlyCollection<string> NodeTypes => Inner.NodeTypes;

    /// <summary>Completes when the engine has started the first attempt.</summary>
    public Task Started => _started.Task;

    /// <summary>The real executor's result for the released attempt.</summary>
    public Task<NodeResult> Finished => _finished.Task;

    private INodeExecutor Inner => _inner ?? throw new InvalidOperationException("The app has not built its executors yet.");

    /// <summary>Replaces the app's <typeparamref name="TExecutor"/> registration with a held one.</summary>
    public static HeldExecutor<TExecutor> Replace(IServiceCollection services)
    {
        var held = new HeldExecutor<TExecutor>();
        var original = services.Single(d => d.ServiceType == typeof(INodeExecutor) && d.ImplementationType == typeof(TExecutor));
        services.Remove(original);
        services.AddSingleton<INodeExecutor>(provider =>
        {
            held._inner = ActivatorUtilities.CreateInstance<TExecutor>(provider);
            return held;
        });
        return held;
    }

    public void Release() => _release.TrySetResult();

    public async Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        await _release.Task;
        var result = await Inner.ExecuteAsync(context, CancellationToken.None);
        _finished.TrySetResult(result);
        return result;
    }
}
