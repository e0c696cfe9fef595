using System.Text.Json.Nodes;
using CredentialType = ControlTower.Core.Crypto.CredentialType;
using CredentialTypes = ControlTower.Core.Crypto.CredentialTypes;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.Nodes;

/// <summary>
/// How executors pick and use a credential (<c>mcp.tool</c>, <c>governed.action</c>, <c>http.request</c>): always for
/// the run's acting user (their own, or one shared with them or their role; anyone else's is <c>credential.not_found</c>),
/// always through <see cref="CredentialVault.ResolveConnectionSecretsAsync"/>, which audits each decrypt as
/// <c>credential.used</c> with who, which credential, run, node and why, and registers the values with the redactor.
/// </summary>
internal static class NodeCredentials
{
    /// <summary><c>config.credentialId</c> as an id, or null when the node names none.</summary>
    public static Guid? ConfiguredId(JsonObject config) =>
        config.OptionalString("credentialId") is not { } configured
            ? null
            : Guid.TryParse(configured, out var id)
                ? id
                : throw NodeFailureException.ConfigInvalid("config.credentialId must be a credential id (a UUID).");

    /// <summary>
    /// The vault, or <c>node.credentials_unsupported</c> on a host composed without one (executors registered
    /// without <c>AddCredentials</c>); the application always has one.
    /// </summary>
    public static CredentialVault Require(CredentialVault? vault, string nodeType) => vault
        ?? throw new NodeFailureException(NodeErrorCodes.CredentialsUnsupported, $"{nodeType} needs a credential but this host has no credential vault.");

    public static CredentialUsePurpose Purpose(NodeExecutionContext context, string reason) => new(context.RunId.ToString(), context.NodeId, reason);

    /// <summary>
    /// The credential a call to MCP server <paramref name="server"/> uses: <c>config.credentialId</c>, else, when the
    /// server definition names a <c>credentialType</c>, the acting user's credential of that type bound to the server
    /// (<c>credential.not_found</c> when they have none); null when the server needs none.
    /// </summary>
    public static async Task<Guid?> ForMcpServerAsync(
        NodeExecutionContext context, CredentialVault? vault, McpServerRegistry registry, string server, CancellationToken cancellationToken)
    {
        if (ConfiguredId(context.Config) is { } configured)
        {
            return configured;
        }

        if (registry.Get(server)?.CredentialType is not { } type)
        {
            return null;
        }

        return await Require(vault, context.NodeType).FindForServerAsync(context.ActingUserId, server, type, cancellationToken).ConfigureAwait(false)
            ?? throw new ControlTowerException(ErrorKind.NotFound, CredentialErrorCodes.NotFound,
                $"MCP server '{server}' needs a {type} credential and the acting user has none for it.");
    }

    /// <summary>
    /// The credential's metadata (no decrypt), refused with <c>mcp.credential_type_unsupported</c> when its type gives the
    /// server's transport nothing (a bearer token for a stdio server, env vars for an HTTP one) rather than silently
    /// sending the call without it. An unregistered server is left to the call to report.
    /// </summary>
    public static async Task<CredentialResponse> DescribeForServerAsync(
        CredentialVault vault, McpServerDefinition? server, Guid actingUserId, Guid credentialId, CancellationToken cancellationToken)
    {
        var credential = await vault.DescribeForUseAsync(actingUserId, credentialId, cancellationToken).ConfigureAwait(false);
        if (server is not null)
        {
            EnsureFitsTransport(credential, server);
        }

        return credential;
    }

    /// <summary>
    /// <paramref name="call"/> carrying the decrypted <paramref name="credential"/> (from <see cref="DescribeForServerAsync"/>)
    /// the way the connection pool expects it: env vars (stdio) and headers (HTTP) on a connection of its own, keyed by
    /// (server, credential).
    /// </summary>
    public static async Task<McpCallContext> WithMcpCredentialAsync(
        McpCallContext call, CredentialVault vault, Guid actingUserId, CredentialResponse credential, CredentialUsePurpose purpose,
        CancellationToken cancellationToken)
    {
        var secrets = await vault.ResolveConnectionSecretsAsync(actingUserId, credential.Id, purpose, cancellationToken).ConfigureAwait(false);
        return call with
        {
            CredentialKey = credential.Id.ToString("D"),
            Environment = secrets.EnvironmentVariables,
            Headers = secrets.Headers,
        };
    }

    /// <summary><c>mcp.credential_type_unsupported</c> when <paramref name="credential"/> gives <paramref name="server"/>'s transport nothing.</summary>
    public static void EnsureFitsTransport(CredentialResponse credential, McpServerDefinition server)
    {
        if (!FitsTransport(CredentialTypes.Parse(credential.CredentialType), server.Transport))
        {
            throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.CredentialTypeUnsupported,
                $"Credential {credential.Id} is {credential.CredentialType}, which gives MCP server '{server.Id}' nothing: "
                + (server.Transport == McpTransportKind.Stdio
                    ? "a stdio server takes credentials as environment variables (env_vars, api_key)."
                    : "an HTTP server takes credentials as headers (anything but env_vars)."));
        }
    }

    /// <summary>Whether a credential of <paramref name="type"/> gives a server on <paramref name="transport"/> anything.</summary>
    public static bool FitsTransport(CredentialType type, McpTransportKind transport) => transport == McpTransportKind.Stdio
        ? CredentialInjection.CarriesEnvironment(type)
        : CredentialInjection.CarriesHeaders(type);
}
