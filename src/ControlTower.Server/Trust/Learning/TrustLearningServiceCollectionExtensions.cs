namespace ControlTower.Server.Trust.Learning;

internal static class TrustLearningServiceCollectionExtensions
{
    /// <summary>The trust models: options (<c>TRUST_*</c>), the trainer and the process's <see cref="Core.Trust.ITrustPredictor"/>.</summary>
    public static IServiceCollection AddTrustLearning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustLearningOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TrustModelTrainer>();
        services.AddSingleton<TrustPredictor>();
        services.AddSingleton<Core.Trust.ITrustPredictor>(provider => provider.GetRequiredService<TrustPredictor>());
        return services;
    }
}
