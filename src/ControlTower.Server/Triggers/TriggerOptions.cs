using System.ComponentModel.DataAnnotations;
using ControlTower.Core.Errors;
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

/// <summary>Stable codes of webhook deliveries (cron and signature codes are Core's <see cref="Core.Triggers.TriggerErrorCodes"/>).</summary>
internal static class TriggerErrorCodes
{
    /// <summary>No webhook trigger at this URL.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string WebhookNotFound = "webhook.not_found";

    /// <summary>The webhook takes another HTTP method.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string MethodNotAllowed = "webhook.method_not_allowed";

    /// <summary>The webhook body is larger than <c>WEBHOOK_MAX_BODY_BYTES</c>.</summary>
    [ErrorCode(ErrorKind.PayloadTooLarge)]
    public const string BodyTooLarge = "webhook.body_too_large";

    /// <summary>The body is declared JSON but does not parse.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string BodyInvalid = "webhook.body_invalid";

    /// <summary>The delivery id header is present but malformed.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DeliveryIdInvalid = "webhook.delivery_id_invalid";

    /// <summary>The webhook's signing secret cannot be used (not a credential id, a type that cannot sign, or undecryptable); 400 for the first two, 503 when the vault fails.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string SecretUnavailable = "webhook.secret_unavailable";

    /// <summary>In <c>respond_node</c> mode the run failed before a respond node answered; the 502 body carries the run's error.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string RunFailed = "webhook.run_failed";
}
