using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ControlTower.Server.Slos;

/// <summary>What a webhook receives when an alert fires or clears.</summary>
internal sealed record AlertNotification(string DedupeKey, string State, string SloId, string Rule, string Severity,
    double LongBurnRate, double ShortBurnRate, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt, string ConfigRevision);

/// <summary>
/// Posts alert notifications to the configured webhooks, signed (<c>X-ControlTower-Signature: sha256=</c> HMAC-SHA256 of
/// <c>{timestamp}.{body}</c> with the target's secret, <c>X-ControlTower-Timestamp</c>) and retried with doubling back-off.
/// A delivery carries <c>X-ControlTower-Delivery</c> (dedupe key and state) so a receiver can drop a repeat.
/// </summary>
internal sealed partial class SloNotifier(IHttpClientFactory clients, SloCatalog catalog, IOptions<SloOptions> options, TimeProvider time, ILogger<SloNotifier> logger)
{
    public const string HttpClientName = "slo-webhooks";
    public const string SignatureHeader = "X-ControlTower-Signature";
    public const string TimestampHeader = "X-ControlTower-Timestamp";
    public const string DeliveryHeader = "X-ControlTower-Delivery";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>True when every target took the notification (or there is none); false leaves it for the next evaluation.</summary>
    public async Task<bool> NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(notification, Json);
        var delivered = true;
        foreach (var target in catalog.Targets)
        {
            delivered &= await DeliverAsync(target, notification, body, cancellationToken);
        }

        return delivered;
    }

    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private async Task<bool> DeliverAsync(SloCatalog.ResolvedTarget target, AlertNotification notification, string body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.WebhookAttempts - 1,
                Delay = TimeSpan.FromMilliseconds(settings.WebhookBackoffMilliseconds),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>(_ => !cancellationToken.IsCancellationRequested)
                    .HandleResult(response => !response.IsSuccessStatusCode),
            })
            .Build();
        var client = clients.CreateClient(HttpClientName);
        try
        {
            using var response = await pipeline.ExecuteAsync(async ct =>
            {
                var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add(TimestampHeader, timestamp);
                request.Headers.Add(SignatureHeader, Sign(target.Secret, timestamp, body));
                request.Headers.Add(DeliveryHeader, $"{notification.DedupeKey}:{notification.State}");
                return await client.SendAsync(request, ct);
            }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            Log.DeliveryRefused(logger, target.Name, notification.DedupeKey, (int)response.StatusCode);
            return false;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.DeliveryFailed(logger, failure, target.Name, notification.DedupeKey);
            return false;
        }
    }
}
