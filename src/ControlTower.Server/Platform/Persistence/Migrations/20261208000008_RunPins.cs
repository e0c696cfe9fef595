using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Pinned node outputs of manual test runs (the editor's pinned data), read by the engine for those runs only.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261208000008_RunPins")]
internal sealed class RunPinsTable : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "run_pins",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                Output = table.Column<string>(nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_pins", p => new { p.RunId, p.NodeId }));
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("run_pins");
}
