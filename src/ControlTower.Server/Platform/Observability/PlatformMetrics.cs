using System.Diagnostics.Metrics;

namespace ControlTower.Server.Platform.Observability;

/// <summary>The platform's own instruments; features add their meters beside their code.</summary>
internal sealed class PlatformMetrics
{
    public const string MeterName = "ControlTower";

    private readonly Counter<long> _errors;
    private readonly Counter<long> _auditEntries;
    private readonly Counter<long> _authenticationFailures;

    public PlatformMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _errors = meter.CreateCounter<long>("controltower.errors", description: "Failures answered to clients, by error code.");
        _auditEntries = meter.CreateCounter<long>("controltower.audit.entries", description: "Audit entries written, by action.");
        _authenticationFailures = meter.CreateCounter<long>("controltower.auth.failures", description: "Rejected credentials.");
    }

    public void RecordError(string code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public void RecordAuditEntry(string action) => _auditEntries.Add(1, new KeyValuePair<string, object?>("action", action));

    public void RecordAuthenticationFailure() => _authenticationFailures.Add(1);
}
