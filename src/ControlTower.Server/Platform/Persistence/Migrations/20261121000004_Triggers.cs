using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Durable schedule trigger state, and the link from a replay run to the run it replays.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000004_Triggers")]
internal sealed class Triggers : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "schedule_states",
            columns: table => new
            {
                WorkflowId = table.Column<Guid>(nullable: false),
                TriggerNodeId = table.Column<string>(maxLength: 100, nullable: false),
                WorkflowVersion = table.Column<int>(nullable: false),
                Cron = table.Column<string>(maxLength: 200, nullable: false),
                TimeZone = table.Column<string>(maxLength: 100, nullable: false),
                NextFireAt = table.Column<DateTime>(nullable: false),
                LastFiredAt = table.Column<DateTime>(nullable: true),
                Version = table.Column<long>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_schedule_states", s => new { s.WorkflowId, s.TriggerNodeId }));
        migrationBuilder.CreateIndex("ix_schedule_states_next_fire", "schedule_states", "NextFireAt");

        migrationBuilder.CreateTable(
            name: "run_replays",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                SourceRunId = table.Column<Guid>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_replays", r => r.RunId));
        migrationBuilder.CreateIndex("ix_run_replays_source", "run_replays", "SourceRunId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("run_replays");
        migrationBuilder.DropTable("schedule_states");
    }
}
