using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

internal static class CredentialServiceCollectionExtensions
{
    /// <summary>The vault, its keys (validated at start), rotation, OAuth tokens and the secret registry.</summary>
    public static IServiceCollection AddCredentials(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CredentialOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CredentialOptions>, CredentialKeySafety>();
        services.AddSingleton<CredentialKeyRing>();
        // No dependencies: the log formatter needs it, so it must never wait on anything that logs.
        services.AddSingleton<SecretRegistry>();
        services.AddHostedService<CredentialKeyStartup>();
        services.AddSingleton<OAuthTokenCache>();
        services.AddSingleton<CredentialVault>();
        services.AddSingleton<CredentialRotation>();
        services.AddSingleton<CredentialUsage>();
        services.AddSingleton<CredentialConnectionTest>();

        // Request logging is off for this client: a token URL may carry secrets in its query.
        services.AddHttpClient(OAuthTokenCache.HttpClientName).RemoveAllLoggers();
        return services;
    }
}
