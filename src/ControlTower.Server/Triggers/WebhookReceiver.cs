using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Core.Triggers;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Triggers;

/// <summary>
/// The <c>trigger.webhook</c> node a URL names, in the workflow's live version (its release's stable version, else its
/// latest), and the author of that version (a delivery has no caller), never the workflow's owner. The run itself
/// pins the version the release chooses for the delivery (a canary may take it) and acts as that version's author.
/// </summary>
internal sealed record WebhookTarget(WorkflowDefinition Definition, Guid PrincipalId, string TriggerNodeId, JsonObject Config)
{
    public string Method => Config["method"]?.GetValue<string>() ?? "POST";

    /// <summary>Sync mode: the trigger says so and the graph has a <c>respond</c> node to answer with.</summary>
    public bool WaitsForRespondNode =>
        Config["respondMode"]?.GetValue<string>() == "respond_node" && Definition.Plan.Nodes.Any(n => n.IsRespond);
}

/// <summary>One request to a webhook URL, as read off the wire.</summary>
internal sealed record WebhookDelivery(
    string Method,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Query,
    byte[] Body,
    string? ContentType);

/// <summary>
/// The run a delivery started, or the one an earlier delivery with the same id started; <see cref="State"/> is the state
/// its start committed (null for a duplicate).
/// </summary>
internal sealed record WebhookAccepted(RunEntity Run, bool Duplicate, RunState? State = null);

/// <summary>The 202 a webhook answers when no respond node replies: the run it started (or had started, for a repeated delivery).</summary>
internal sealed record WebhookAck(Guid RunId, string Status, bool Duplicate);

/// <summary>What a <c>respond</c> node said: the webhook's HTTP answer.</summary>
internal sealed record WebhookReply(int Status, IReadOnlyDictionary<string, string> Headers, JsonNode? Body);

/// <summary>
/// Webhook triggers. A delivery is checked (signature over timestamp and body with the secret of the
/// credential the trigger names, resolved as the version's author; timestamp within the replay
/// window), then starts a run whose idempotency key is the delivery id (header <c>X-Delivery-Id</c>,
/// else a hash of timestamp, signature and body of a signed delivery), so a redelivery returns the run
/// the first delivery started. The run input is <c>{ method, headers, query, body }</c>.
/// </summary>
internal sealed partial class WebhookReceiver(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    Releases.WorkflowRoutes routes,
    RunStarter starter,
    CredentialVault vault,
    RunEventNotifier notifier,
    TimeProvider time,
    IOptions<TriggerOptions> options,
    Blobs.PayloadBlobs blobs,
    ILogger<WebhookReceiver> logger)
{
    public const string TriggerName = "webhook";
    public const string NodeType = "trigger.webhook";
    public const string DeliveryIdHeader = "X-Delivery-Id";
    private const int MaxDeliveryIdLength = 128;
    private const int MaxKeyLength = 200;

    // Credentials the sender may have put on the request: never copied into the run input.
    private static readonly HashSet<string> HiddenHeaders = new(StringComparer.OrdinalIgnoreCase) { "authorization", "proxy-authorization", "cookie" };

    /// <summary>
    /// The URL's trigger node in the live version, from memory: the workflow's route (<see cref="Releases.WorkflowRoutes"/>)
    /// and the compiled version with its author (<see cref="WorkflowDefinitions"/>) are cached, so a delivery reads nothing here.
    /// </summary>
    public async Task<WebhookTarget> FindAsync(Guid workflowId, string triggerNodeId, CancellationToken cancellationToken)
    {
        Releases.WorkflowRoute route;
        try
        {
            route = await routes.GetEnabledAsync(workflowId, cancellationToken);
        }
        catch (ControlTowerException missing) when (missing.Code == WorkflowErrorCodes.NotFound)
        {
            throw NotFound();
        }

        var definition = await definitions.GetAsync(workflowId, route.LiveVersion, cancellationToken);
        var node = definition.Plan.Nodes.FirstOrDefault(n => n.Id == triggerNodeId && n.Type == NodeType) ?? throw NotFound();
        return new WebhookTarget(definition, definition.AuthorId, node.Id, node.Config);
    }

    public async Task<WebhookAccepted> AcceptAsync(WebhookTarget target, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (!string.Equals(delivery.Method, target.Method, StringComparison.OrdinalIgnoreCase))
        {
            throw new ControlTowerException(ErrorKind.Validation, TriggerErrorCodes.MethodNotAllowed, $"This webhook takes {target.Method} requests.");
        }

        if (delivery.Body.Length > options.Value.WebhookMaxBodyBytes)
        {
            throw new ControlTowerException(ErrorKind.PayloadTooLarge, TriggerErrorCodes.BodyTooLarge,
                $"The webhook body is larger than {options.Value.WebhookMaxBodyBytes} bytes.");
        }

        var verification = await VerifyAsync(target, delivery, cancellationToken);
        var key = IdempotencyKey(target.TriggerNodeId, DeliveryId(delivery, verification));
        var input = new JsonObject
        {
            ["method"] = delivery.Method.ToUpperInvariant(),
            ["headers"] = ToJson(delivery.Headers.Where(h => !HiddenHeaders.Contains(h.Key))),
            ["query"] = ToJson(delivery.Query),
            ["body"] = ParseBody(delivery),
        };
        var started = await starter.StartAsync(
            new StartRunRequest(target.Definition.WorkflowId, input, TriggerName, target.PrincipalId, $"webhook:{target.TriggerNodeId}", key, target.TriggerNodeId,
                PrincipalSource: RunPrincipals.VersionAuthor),
            cancellationToken);
        Log.Delivered(logger, target.Definition.WorkflowId, target.TriggerNodeId, started.Run.Id, !started.Created);
        return new WebhookAccepted(started.Run, !started.Created, started.State);
    }

    /// <summary>
    /// Waits (up to the configured timeout) for the run to finish and returns the last successful
    /// <c>respond</c> node's output; null when the run is still going. A run that failed or finished
    /// without a respond node answers with a 502 / 200 describing it. A run that ended in its start
    /// (side-effect-free nodes run before the start commits) answers at once; otherwise the run is handed
    /// over in memory by the commit that ends it, and read again only on the poll for other processes' commits.
    /// </summary>
    public async Task<WebhookReply?> WaitForReplyAsync(WebhookTarget target, WebhookAccepted accepted, CancellationToken cancellationToken)
    {
        var started = accepted.Run;
        if (RunReplayer.IsFinished(started.Status))
        {
            return await ReplyAsync(target, started, accepted.State, cancellationToken);
        }

        using var timeout = new CancellationTokenSource(options.Value.WebhookRespondTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var finished = notifier.FinishedAsync(started.Id);
        try
        {
            while (true)
            {
                var run = finished.IsCompleted ? await finished : await LoadAsync(started.Id, cancellationToken);
                if (RunReplayer.IsFinished(run.Status))
                {
                    return await ReplyAsync(target, run, null, cancellationToken);
                }

                // Other processes' commits are not handed over here: poll as well.
                await Task.WhenAny(finished, Task.Delay(TimeSpan.FromMilliseconds(250), linked.Token));
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested && !finished.IsCompleted)
                {
                    return null;
                }
            }
        }
        finally
        {
            notifier.StopWaitingForEnd(started.Id, finished);
        }
    }

    /// <summary>
    /// The answer of a finished run, from <paramref name="committed"/> (the state the run's start committed, when it ended
    /// there) or else read back; a respond node's output or a run output stored by reference is loaded first.
    /// </summary>
    private async Task<WebhookReply> ReplyAsync(WebhookTarget target, RunEntity run, RunState? committed, CancellationToken cancellationToken)
    {
        if (run.Status != "completed")
        {
            return new WebhookReply(StatusCodes.Status502BadGateway, new Dictionary<string, string>(), new JsonObject
            {
                ["code"] = TriggerErrorCodes.RunFailed,
                ["runId"] = run.Id.ToString(),
                ["status"] = run.Status,
                ["error"] = new JsonObject { ["node_id"] = run.ErrorNodeId, ["code"] = run.ErrorCode },
            });
        }

        var state = committed ?? await LoadStateAsync(run, cancellationToken);

        var respond = state.Nodes
            .Where(n => n.Status == NodeStatus.Succeeded && target.Definition.Plan.Node(n.NodeId).IsRespond && n.Output is not null)
            .MaxBy(n => n.CompletedSeq);
        if (respond?.Output is not { } output || await blobs.ResolveAsync(JsonNode.Parse(output.GetRawText()), cancellationToken) is not JsonObject reply)
        {
            return new WebhookReply(StatusCodes.Status200OK, new Dictionary<string, string>(), new JsonObject
            {
                ["runId"] = run.Id.ToString(),
                ["status"] = run.Status,
                ["output"] = run.Output is null ? null : await blobs.ResolveAsync(JsonNode.Parse(run.Output), cancellationToken),
            });
        }

        var headers = (reply["headers"] as JsonObject ?? [])
            .Where(h => h.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            .ToDictionary(h => h.Key, h => h.Value!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var status = reply["status"] is JsonValue s && s.TryGetValue<int>(out var code) ? code : StatusCodes.Status200OK;
        return new WebhookReply(status, headers, reply["body"]?.DeepClone());
    }

    private async Task<WebhookVerification?> VerifyAsync(WebhookTarget target, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (target.Config["signature"] is not JsonObject signature)
        {
            return null;
        }

        var secret = await SecretAsync(target, signature["secretCredentialId"]!.GetValue<string>(), cancellationToken);
        var header = signature["header"]?.GetValue<string>() ?? "X-Signature";
        var timestampHeader = signature["timestampHeader"]?.GetValue<string>() ?? "X-Timestamp";
        var tolerance = TimeSpan.FromSeconds(signature["toleranceSeconds"]?.GetValue<int>() ?? 300);
        try
        {
            return WebhookSignature.Verify(secret, delivery.Headers.GetValueOrDefault(timestampHeader), delivery.Headers.GetValueOrDefault(header),
                delivery.Body, time.GetUtcNow(), tolerance);
        }
        catch (TriggerException refused)
        {
            Log.Refused(logger, target.Definition.WorkflowId, target.TriggerNodeId, refused.Code);
            throw;
        }
    }

    /// <summary>The signing secret: the key of an <c>api_key</c> or the token of a <c>bearer_token</c> credential, used as the version's author.</summary>
    private async Task<string> SecretAsync(WebhookTarget target, string credentialId, CancellationToken cancellationToken)
    {
        try
        {
            var purpose = new CredentialUsePurpose(null, target.TriggerNodeId, $"webhook signature check for workflow {target.Definition.WorkflowId}");
            var data = Guid.TryParse(credentialId, out var id)
                ? await vault.ResolveForUseAsync(target.PrincipalId, id, purpose, cancellationToken)
                : throw new ControlTowerException(ErrorKind.Validation, TriggerErrorCodes.SecretUnavailable, "secretCredentialId is not a credential id.");
            return data switch
            {
                ApiKeyData apiKey => apiKey.Key,
                BearerTokenData bearer => bearer.Token,
                _ => throw new ControlTowerException(ErrorKind.Validation, TriggerErrorCodes.SecretUnavailable, $"A {data.Type} credential cannot sign webhooks."),
            };
        }
        catch (ControlTowerException unusable) when (unusable is not TriggerException)
        {
            // The sender is anonymous: it learns that the hook is misconfigured, the owner finds why in the log.
            Log.SecretUnavailable(logger, target.Definition.WorkflowId, target.TriggerNodeId, unusable.Code);
            throw new ControlTowerException(ErrorKind.Unavailable, TriggerErrorCodes.SecretUnavailable,
                "The webhook's signing secret cannot be loaded; its owner must fix the trigger's credential.");
        }
    }

    private static string? DeliveryId(WebhookDelivery delivery, WebhookVerification? verification)
    {
        var id = delivery.Headers.GetValueOrDefault(DeliveryIdHeader)?.Trim();
        if (!string.IsNullOrEmpty(id))
        {
            return id.Length <= MaxDeliveryIdLength && id.All(c => c is > ' ' and < (char)127)
                ? id
                : throw new ControlTowerException(ErrorKind.Validation, TriggerErrorCodes.DeliveryIdInvalid,
                    $"{DeliveryIdHeader} must be 1 to {MaxDeliveryIdLength} printable ASCII characters.");
        }

        if (verification is null)
        {
            return null; // Unsigned and unnamed: nothing tells two identical deliveries apart from a redelivery.
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes($"{verification.Timestamp.ToUnixTimeSeconds()}.{verification.Signature}."));
        hash.AppendData(delivery.Body);
        return "sig-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    private static string? IdempotencyKey(string triggerNodeId, string? deliveryId)
    {
        if (deliveryId is null)
        {
            return null;
        }

        var key = $"webhook:{triggerNodeId}:{deliveryId}";
        return key.Length <= MaxKeyLength ? key : "webhook:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    private static JsonNode? ParseBody(WebhookDelivery delivery)
    {
        if (delivery.Body.Length == 0)
        {
            return null;
        }

        var mediaType = delivery.ContentType?.Split(';')[0].Trim() ?? "";
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return JsonNode.Parse(delivery.Body);
            }
            catch (JsonException)
            {
                throw new ControlTowerException(ErrorKind.Validation, TriggerErrorCodes.BodyInvalid, "The webhook body is declared JSON but does not parse.");
            }
        }

        return Encoding.UTF8.GetString(delivery.Body);
    }

    private static JsonObject ToJson(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var json = new JsonObject();
        foreach (var (name, value) in pairs)
        {
            json[name.ToLowerInvariant()] = value;
        }

        return json;
    }

    private async Task<RunState> LoadStateAsync(RunEntity run, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await RunStateRows.LoadAsync(db, run, cancellationToken);
    }

    private async Task<RunEntity> LoadAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
    }

    private static ControlTowerException NotFound() =>
        new(ErrorKind.NotFound, TriggerErrorCodes.WebhookNotFound, "No webhook trigger at this URL.");
}
