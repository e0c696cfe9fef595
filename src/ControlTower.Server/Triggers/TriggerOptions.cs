using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Triggers;

internal sealed class TriggerOptions
{
    /// <summary>Largest webhook body accepted, in bytes (the platform's MAX_REQUEST_BODY_BYTES applies first).</summary>
    [ConfigurationKeyName("WEBHOOK_MAX_BODY_BYTES")]
    [Range(1, 64 * 1024 * 1024)]
    public int WebhookMaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long a webhook in <c>respond_node</c> mode waits for its run before answering 202 with the run id.</summary>
    [ConfigurationKeyName("WEBHOOK_RESPOND_TIMEOUT_SECONDS")]
    [Range(0.1, 600)]
    public double WebhookRespondTimeoutSeconds { get; set; } = 30;

    /// <summary>Run the schedule trigger loop in this process.</summary>
    [ConfigurationKeyName("SCHEDULE_TRIGGERS")]
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>How often the scheduler looks at the clock and at saved versions.</summary>
    [ConfigurationKeyName("SCHEDULE_POLL_MILLISECONDS")]
    [Range(10, 60_000)]
    public int SchedulePollMilliseconds { get; set; } = 1000;

    /// <summary>How long <c>POST /api/runs/{id}/replay</c> waits for the replay before answering 202 with an unfinished report.</summary>
    [ConfigurationKeyName("REPLAY_WAIT_SECONDS")]
    [Range(0, 600)]
    public double ReplayWaitSeconds { get; set; } = 30;

    public TimeSpan WebhookRespondTimeout => TimeSpan.FromSeconds(WebhookRespondTimeoutSeconds);

    public TimeSpan SchedulePoll => TimeSpan.FromMilliseconds(SchedulePollMilliseconds);

    public TimeSpan ReplayWait => TimeSpan.FromSeconds(ReplayWaitSeconds);
}

internal static class TriggerErrorCodes
{
    public const string WebhookNotFound = "webhook.not_found";
    public const string MethodNotAllowed = "webhook.method_not_allowed";
    public const string BodyTooLarge = "webhook.body_too_large";
    public const string BodyInvalid = "webhook.body_invalid";
    public const string DeliveryIdInvalid = "webhook.delivery_id_invalid";
    public const string SecretUnavailable = "webhook.secret_unavailable";
    public const string RunFailed = "webhook.run_failed";
}
