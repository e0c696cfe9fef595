using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ControlTower.Server.Mcp;

/// <summary>Instruments of the meter "ControlTower.Mcp". Tags carry server and tool names, never arguments.</summary>
internal sealed class McpMetrics
{
    public const string MeterName = "ControlTower.Mcp";

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _connectionsStarted;
    private readonly Counter<long> _connectionsLost;

    public McpMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _calls = meter.CreateCounter<long>("controltower.mcp.calls", "{call}", "MCP tool calls by outcome.");
        _duration = meter.CreateHistogram("controltower.mcp.call.duration", "ms", "Duration of MCP tool calls.", advice: Platform.Observability.HistogramBuckets.Milliseconds);
        _errors = meter.CreateCounter<long>("controltower.mcp.errors", "{error}", "Failed MCP tool calls by error code.");
        _connectionsStarted = meter.CreateCounter<long>("controltower.mcp.connections.started", "{connection}", "MCP connections opened.");
        _connectionsLost = meter.CreateCounter<long>("controltower.mcp.connections.lost", "{connection}", "MCP connections that ended on their own.");
    }

    public void CallCompleted(string serverId, string toolName, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "mcp.server", serverId }, { "mcp.tool", toolName }, { "outcome", outcome } };
        _calls.Add(1, tags);
        _duration.Record(duration.TotalMilliseconds, tags);
    }

    public void CallFailed(string serverId, string toolName, string code) =>
        _errors.Add(1, new TagList { { "mcp.server", serverId }, { "mcp.tool", toolName }, { "error.code", code } });

    public void ConnectionStarted(string serverId) => _connectionsStarted.Add(1, new TagList { { "mcp.server", serverId } });

    public void ConnectionLost(string serverId) => _connectionsLost.Add(1, new TagList { { "mcp.server", serverId } });
}
