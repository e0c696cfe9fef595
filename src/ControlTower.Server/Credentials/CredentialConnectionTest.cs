using System.Security.Claims;
using ControlTower.Core.Errors;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Credentials;

/// <summary>Whether the MCP server a credential is bound to accepts a session opened with it.</summary>
internal sealed record CredentialTestResult(Guid CredentialId, string ServerId, bool Ok, double Milliseconds, string? Error);

/// <summary>
/// <c>POST /api/credentials/{id}/test</c>: opens a session with the credential's MCP server using the credential, as a
/// workflow would (an audited use, purpose "connection test"). A credential bound to no server has nothing to test
/// against (<c>credential.test_unsupported</c>). The answer says whether it worked and why not; never a secret.
/// </summary>
internal sealed class CredentialConnectionTest(CredentialVault vault, McpServerRegistry registry, McpConnectionPool pool)
{
    public async Task<CredentialTestResult> RunAsync(ClaimsPrincipal user, Guid id, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var credential = await vault.DescribeForUseAsync(userId, id, cancellationToken);
        var serverId = credential.McpServerId ?? throw CredentialErrorCodes.Error(CredentialErrorCodes.TestUnsupported,
            $"Credential {id} is bound to no MCP server, so there is nothing to open a session with; it is checked when a node uses it.");
        var server = registry.Get(serverId)
            ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ServerNotFound, $"MCP server '{serverId}' is not registered.");
        NodeCredentials.EnsureFitsTransport(credential, server);
        var secrets = await vault.ResolveConnectionSecretsAsync(userId, id, new CredentialUsePurpose(null, null, "connection test from the credentials page"), cancellationToken);
        var probe = await pool.ProbeAsync(serverId, new McpCredential(id.ToString("D"), secrets.EnvironmentVariables, secrets.Headers), cancellationToken);
        return new CredentialTestResult(id, serverId, probe.Ok, probe.Milliseconds, probe.Error);
    }
}
