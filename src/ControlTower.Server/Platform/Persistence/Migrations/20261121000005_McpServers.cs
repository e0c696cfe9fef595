using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>The registry of MCP servers (the in-memory registry is a cache of this table).</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000005_McpServers")]
internal sealed class McpServers : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "mcp_servers",
            columns: table => new
            {
                Id = table.Column<string>(maxLength: 64, nullable: false),
                Name = table.Column<string>(maxLength: 200, nullable: false),
                Transport = table.Column<string>(maxLength: 20, nullable: false),
                Definition = table.Column<string>(nullable: false),
                Enabled = table.Column<bool>(nullable: false),
                OwnerId = table.Column<Guid>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_mcp_servers", s => s.Id));
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("mcp_servers");
}
