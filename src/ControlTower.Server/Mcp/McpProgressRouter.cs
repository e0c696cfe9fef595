using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Hands <c>notifications/progress</c> of one MCP session to the call that asked for them, in the order they
/// arrived. The SDK dispatches every incoming message on the thread pool, so a call's result can overtake the
/// progress sent before it; this router sees each message as the transport yields it (see
/// <see cref="ProgressObservingTransport"/>), so every notification sent before a result is delivered before
/// the call returns.
/// </summary>
internal sealed class McpProgressRouter
{
    private readonly ConcurrentDictionary<string, IProgress<McpProgress>> _calls = new(StringComparer.Ordinal);

    /// <summary>
    /// Registers a call's progress target under a fresh token; disposing the registration stops delivery.
    /// The target runs on the session's read loop, so it must not block (the engine's posts to the thread pool).
    /// </summary>
    public Registration Register(IProgress<McpProgress> target)
    {
        var token = $"ct-{Guid.NewGuid():N}";
        _calls[token] = new Forwarder(target);
        return new Registration(this, token);
    }

    /// <summary>Delivers the message if it is progress for a registered call.</summary>
    public void Observe(JsonRpcMessage message)
    {
        if (message is JsonRpcNotification { Method: NotificationMethods.ProgressNotification, Params: JsonObject parameters }
            && TokenOf(parameters["progressToken"]) is { } token
            && _calls.TryGetValue(token, out var target)
            && Read(parameters) is { } progress)
        {
            target.Report(progress);
        }
    }

    private static string? TokenOf(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.Number => node.ToJsonString(),
        _ => null,
    };

    private static McpProgress? Read(JsonObject parameters)
    {
        if (parameters["progress"] is not JsonValue value || !value.TryGetValue<double>(out var progress))
        {
            return null;
        }

        double? total = parameters["total"] is JsonValue t && t.TryGetValue<double>(out var totalValue) ? totalValue : null;
        var message = parameters["message"] is JsonValue m && m.TryGetValue<string>(out var text) ? text : null;
        return new McpProgress(progress, total, message);
    }

    internal readonly struct Registration(McpProgressRouter router, string token) : IDisposable
    {
        public string Token => token;

        public void Dispose() => router._calls.TryRemove(token, out _);
    }

    /// <summary>Forwards only advancing values: MCP progress must increase, and a server may repeat one.</summary>
    private sealed class Forwarder(IProgress<McpProgress> target) : IProgress<McpProgress>
    {
        private readonly Lock _order = new();
        private double? _last;

        public void Report(McpProgress value)
        {
            lock (_order)
            {
                if (_last is { } last && value.Progress <= last)
                {
                    return;
                }

                _last = value.Progress;
                target.Report(value);
            }
        }
    }
}

/// <summary>Wraps a client transport so the session's <see cref="McpProgressRouter"/> sees messages in wire order.</summary>
internal sealed class ProgressObservingTransport(IClientTransport inner, McpProgressRouter router) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken).ConfigureAwait(false), router);

    private sealed class Session(ITransport transport, McpProgressRouter router) : ITransport
    {
        public string? SessionId => transport.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader { get; } = new ObservingReader(transport.MessageReader, router);

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            transport.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => transport.DisposeAsync();
    }

    /// <summary>The SDK's read loop takes messages one at a time through <see cref="TryRead"/>, in arrival order.</summary>
    private sealed class ObservingReader(ChannelReader<JsonRpcMessage> reader, McpProgressRouter router) : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => reader.Completion;

        public override bool TryRead(out JsonRpcMessage item)
        {
            if (!reader.TryRead(out item!))
            {
                return false;
            }

            router.Observe(item);
            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            reader.WaitToReadAsync(cancellationToken);
    }
}
