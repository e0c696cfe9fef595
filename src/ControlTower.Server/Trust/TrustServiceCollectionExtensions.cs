namespace ControlTower.Server.Trust;

internal static class TrustServiceCollectionExtensions
{
    /// <summary>The stage policy's shell, its versioned options, the model store and its background retrainer, the trust API's services.</summary>
    public static IServiceCollection AddTrust(this IServiceCollection services)
    {
        services.AddOptions<TrustOptions>().Configure<IConfiguration>((options, configuration) => configuration.Bind(options)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TrustService>();
        services.AddSingleton<TrustModelArtifacts>();
        services.AddSingleton<TrustModelService>();
        services.AddHostedService<TrustRetrainer>();
        return services;
    }
}
