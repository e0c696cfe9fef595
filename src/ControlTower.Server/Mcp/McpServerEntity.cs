using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Mcp;

/// <summary>
/// A registered MCP server as stored: the searchable parts as columns, the rest of the definition
/// (command, arguments, environment, url, headers, limits) as JSON in <see cref="Definition"/>.
/// Environment and header values may be secrets: they are stored here but never returned or logged.
/// </summary>
internal sealed class McpServerEntity
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    /// <summary><c>stdio</c>, <c>streamable_http</c> or <c>sse</c>.</summary>
    public required string Transport { get; set; }

    public required string Definition { get; set; }

    public bool Enabled { get; set; }

    public Guid OwnerId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class McpServerEntityConfiguration : IEntityTypeConfiguration<McpServerEntity>
{
    public void Configure(EntityTypeBuilder<McpServerEntity> builder)
    {
        builder.ToTable("mcp_servers");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Transport).HasMaxLength(20);
    }
}
