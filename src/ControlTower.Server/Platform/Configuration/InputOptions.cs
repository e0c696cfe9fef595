using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

/// <summary>
/// Size limits on what comes in (request bodies, checked once at the boundary by Platform/Http/JsonBodyGuardMiddleware)
/// and on what a run keeps (node outputs, Runs/NodeOutputLimit).
/// </summary>
internal sealed class InputOptions
{
    /// <summary>Longest name-like top-level field of an API body (<c>name</c>, <c>id</c>, <c>email</c>, ...), in characters.</summary>
    [ConfigurationKeyName("MAX_NAME_LENGTH")]
    [Range(16, 10_000)]
    public int MaxNameLength { get; set; } = 200;

    /// <summary>Longest free-text top-level field of an API body (<c>description</c>, <c>message</c>, <c>reason</c>, <c>comment</c>, <c>text</c>), in characters.</summary>
    [ConfigurationKeyName("MAX_TEXT_LENGTH")]
    [Range(64, 1_000_000)]
    public int MaxTextLength { get; set; } = 4000;

    /// <summary>Deepest nesting of objects and arrays a JSON body may have.</summary>
    [ConfigurationKeyName("MAX_JSON_DEPTH")]
    [Range(8, 256)]
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>Largest node output a run stores, as JSON bytes; a larger one fails the node with <c>node.output_too_large</c>.</summary>
    [ConfigurationKeyName("NODE_OUTPUT_MAX_BYTES")]
    [Range(1024, 1L << 30)]
    public long NodeOutputMaxBytes { get; set; } = 1024 * 1024;
}
