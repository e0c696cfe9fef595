using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Runs;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Triggers;

internal static class WebhookEndpoints
{
    // Set by the server from the body itself; a respond node cannot forge the framing.
    private static readonly HashSet<string> FramingHeaders = new(StringComparer.OrdinalIgnoreCase) { "content-length", "transfer-encoding", "connection" };

    /// <summary>
    /// <c>/hooks/{workflowId}/{triggerNodeId}</c>: anonymous (the signature is the authentication).
    /// 202 <c>{ runId, status, duplicate }</c>, or in <c>respond_node</c> mode the respond node's
    /// status, headers and body once the run finished (202 with the run id if it takes longer than
    /// the configured timeout).
    /// </summary>
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/hooks/{workflowId:guid}/{triggerNodeId}", ["POST", "PUT", "GET"], ReceiveAsync)
            .AllowAnonymous()
            .WithTags("Triggers")
            .Produces<WebhookAck>(StatusCodes.Status202Accepted)
            .Produces<System.Text.Json.Nodes.JsonNode>(StatusCodes.Status200OK)
            .ShedsUnderLoad();
        return routes;
    }

    private static async Task ReceiveAsync(Guid workflowId, string triggerNodeId, HttpContext context, WebhookReceiver receiver, IOptions<TriggerOptions> options, CancellationToken ct)
    {
        var target = await receiver.FindAsync(workflowId, triggerNodeId, ct);
        var request = context.Request;
        var delivery = new WebhookDelivery(
            request.Method,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            await ReadBodyAsync(request, options.Value.WebhookMaxBodyBytes, ct),
            request.ContentType);
        var accepted = await receiver.AcceptAsync(target, delivery, ct);
        if (target.WaitsForRespondNode && await receiver.WaitForReplyAsync(target, accepted, ct) is { } reply)
        {
            await WriteReplyAsync(context.Response, reply, ct);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.Location = $"/api/runs/{accepted.Run.Id}";
        await context.Response.WriteAsJsonAsync(new WebhookAck(accepted.Run.Id, accepted.Run.Status, accepted.Duplicate), ct);
    }

    /// <summary>
    /// A declared length (within the limit) is read straight into a buffer of that size; an undeclared (chunked) body is read
    /// at most one chunk past the limit, so a long one is refused without buffering it.
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            throw new ControlTowerException(ErrorKind.PayloadTooLarge, TriggerErrorCodes.BodyTooLarge, $"The webhook body is larger than {limit} bytes.");
        }

        if (request.ContentLength is { } declared)
        {
            var body = new byte[declared];
            await request.Body.ReadExactlyAsync(body, ct);
            return body;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                throw new ControlTowerException(ErrorKind.PayloadTooLarge, TriggerErrorCodes.BodyTooLarge, $"The webhook body is larger than {limit} bytes.");
            }
        }

        return buffer.ToArray();
    }

    private static async Task WriteReplyAsync(HttpResponse response, WebhookReply reply, CancellationToken ct)
    {
        response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers.Where(h => !FramingHeaders.Contains(h.Key)))
        {
            response.Headers[name] = value;
        }

        if (reply.Body is null)
        {
            return;
        }

        // A string body with a non-JSON content type is sent as that text; anything else as JSON.
        var contentType = reply.Headers.GetValueOrDefault("content-type");
        if (reply.Body is JsonValue text && text.GetValueKind() == JsonValueKind.String
            && contentType is not null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            await response.WriteAsync(text.GetValue<string>(), Encoding.UTF8, ct);
            return;
        }

        response.ContentType = contentType ?? "application/json; charset=utf-8";
        // Straight into the response's pipe: no intermediate string, no second encoding pass.
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        reply.Body.WriteTo(writer);
        await writer.FlushAsync(ct);
    }
}
