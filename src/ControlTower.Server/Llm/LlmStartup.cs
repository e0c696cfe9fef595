namespace ControlTower.Server.Llm;

/// <summary>
/// Builds the chat client when the server starts, so <c>LLM_API_KEY</c> is in the secret registry (masked in logs,
/// outputs and errors) from the first moment rather than from the first llm node.
/// </summary>
internal sealed class LlmStartup(LlmChatClients client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(client);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
