using ControlTower.Core.Errors;

namespace ControlTower.Server.McpHost;

/// <summary>Stable codes of <c>controltower mcp</c>, Control Tower's own MCP server over stdio.</summary>
internal static class McpHostErrorCodes
{
    /// <summary><c>CONTROLTOWER_API_KEY</c> is missing, revoked or belongs to a disabled user; the command exits with 2.</summary>
    [ErrorCode(ErrorSurface.Cli)]
    public const string ApiKeyInvalid = "mcp.api_key_invalid";
}
