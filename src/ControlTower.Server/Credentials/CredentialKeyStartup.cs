namespace ControlTower.Server.Credentials;

/// <summary>
/// Loads the key ring when the server starts rather than at the first credential request: a demo's
/// key file exists from the first start on, and an unreadable key file stops the start with its reason.
/// </summary>
internal sealed class CredentialKeyStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<SecretRegistry>();
        // Loads or generates the keys now, so a missing or unreadable key file fails the start, not the first credential.
        _ = services.GetRequiredService<CredentialKeyRing>().Keys;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
