using ControlTower.Core.Expressions;

namespace ControlTower.Server.Nodes;

/// <summary>Turns the expected failures of an executor body into <see cref="NodeResult.Failed"/>.</summary>
internal static class NodeFailures
{
    /// <summary>Runs an executor body: its <see cref="NodeFailureException"/> and <see cref="CelException"/> (never retryable: the same input fails the same way) become results.</summary>
    public static NodeResult Guard(Func<NodeResult> body)
    {
        try
        {
            return body();
        }
        catch (NodeFailureException ex)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, ex.Retryable);
        }
        catch (CelException ex)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, Retryable: false);
        }
    }

    public static async Task<NodeResult> GuardAsync(Func<Task<NodeResult>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (NodeFailureException ex)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, ex.Retryable);
        }
        catch (CelException ex)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, Retryable: false);
        }
    }
}
