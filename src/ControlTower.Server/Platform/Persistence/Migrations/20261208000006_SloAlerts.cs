using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>SLO alerts (one row per firing episode of a burn-rate rule), and the index the burn rates read finished runs by.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261208000006_SloAlerts")]
internal sealed class SloAlerts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "slo_alerts",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                DedupeKey = table.Column<string>(maxLength: 200, nullable: false),
                SloId = table.Column<string>(maxLength: 100, nullable: false),
                Rule = table.Column<string>(maxLength: 50, nullable: false),
                Severity = table.Column<string>(maxLength: 20, nullable: false),
                LongBurnRate = table.Column<double>(nullable: false),
                ShortBurnRate = table.Column<double>(nullable: false),
                ConfigRevision = table.Column<string>(maxLength: 20, nullable: false),
                FiredAt = table.Column<DateTime>(nullable: false),
                ResolvedAt = table.Column<DateTime>(nullable: true),
                NotifiedFiringAt = table.Column<DateTime>(nullable: true),
                NotifiedResolvedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_slo_alerts", a => a.Id));
        migrationBuilder.CreateIndex("ix_slo_alerts_dedupe", "slo_alerts", "DedupeKey", unique: true);
        migrationBuilder.CreateIndex("ix_slo_alerts_slo_resolved", "slo_alerts", ["SloId", "ResolvedAt"]);
        migrationBuilder.CreateIndex("ix_runs_finished", "runs", "FinishedAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("ix_runs_finished", "runs");
        migrationBuilder.DropTable("slo_alerts");
    }
}
