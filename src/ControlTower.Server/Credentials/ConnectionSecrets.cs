namespace ControlTower.Server.Credentials;

/// <summary>
/// What a credential becomes on the wire to an MCP server: environment variables for a stdio server,
/// headers for an HTTP one. Values are secrets: <see cref="ToString"/> shows names only.
/// </summary>
internal sealed record ConnectionSecrets(IReadOnlyDictionary<string, string> EnvironmentVariables, IReadOnlyDictionary<string, string> Headers)
{
    public override string ToString() =>
        $"ConnectionSecrets(env: [{string.Join(", ", EnvironmentVariables.Keys.Order(StringComparer.Ordinal))}], headers: [{string.Join(", ", Headers.Keys.Order(StringComparer.OrdinalIgnoreCase))}])";
}
