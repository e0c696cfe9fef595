namespace ControlTower.Server.Slos;

internal static class SloServiceCollectionExtensions
{
    public static IServiceCollection AddSlos(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SloOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SloCatalog>();
        services.AddSingleton<SloStatusReader>();
        services.AddSingleton<SloNotifier>();
        services.AddSingleton<SloEvaluator>();
        services.AddHostedService(provider => provider.GetRequiredService<SloEvaluator>());
        services.AddHttpClient(SloNotifier.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        return services;
    }
}
