namespace ControlTower.Server.Trust;

internal static class TrustServiceCollectionExtensions
{
    /// <summary>The stage policy's shell, its versioned options and the trust API's services.</summary>
    public static IServiceCollection AddTrust(this IServiceCollection services)
    {
        services.AddOptions<TrustOptions>().Configure<IConfiguration>((options, configuration) => configuration.Bind(options)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TrustService>();
        return services;
    }
}
