namespace ControlTower.Server.Triggers;

internal static class TriggersServiceCollectionExtensions
{
    /// <summary>Webhook and schedule triggers; the schedule loop runs when <c>SCHEDULE_TRIGGERS</c> is on (default).</summary>
    public static IServiceCollection AddTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TriggerOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookReceiver>();
        services.AddSingleton<ScheduleTriggers>();
        if ((configuration.Get<TriggerOptions>() ?? new TriggerOptions()).SchedulerEnabled)
        {
            services.AddHostedService<ScheduleWorker>();
        }

        return services;
    }
}
