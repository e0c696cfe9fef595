using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// A run's phase: the workflow's own milestone the case has reached (graph <c>config.phases</c>), written with every
/// checkpoint so the run list shows it without reading run states. Existing runs start with none.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261208000004_RunPhase")]
internal sealed class RunPhase : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<string>("Phase", "runs", maxLength: 40, nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn("Phase", "runs");
}
