using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Trained trust models (manifest and bytes, every version kept) and the lease that keeps one trainer across processes.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261207000006_TrustModels")]
internal sealed class TrustModels : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "trust_models",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                Kind = table.Column<string>(maxLength: 20, nullable: false),
                Scope = table.Column<string>(maxLength: 1100, nullable: false),
                Version = table.Column<string>(maxLength: 200, nullable: false),
                TrainedAt = table.Column<DateTime>(nullable: false),
                Seed = table.Column<int>(nullable: false),
                FeatureConfigHash = table.Column<string>(maxLength: 100, nullable: false),
                Manifest = table.Column<string>(nullable: false),
                Artifact = table.Column<byte[]>(nullable: false),
                EventsAtTraining = table.Column<int>(nullable: false),
                Active = table.Column<bool>(nullable: false),
                TrainedBy = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_trust_models", m => m.Id));
        migrationBuilder.CreateIndex("ix_trust_models_version", "trust_models", "Version", unique: true);
        migrationBuilder.CreateIndex("ix_trust_models_kind_active", "trust_models", ["Kind", "Active"]);

        migrationBuilder.CreateTable(
            name: "trust_leases",
            columns: table => new
            {
                Name = table.Column<string>(maxLength: 100, nullable: false),
                Holder = table.Column<string>(maxLength: 200, nullable: false),
                Until = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_trust_leases", l => l.Name));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("trust_leases");
        migrationBuilder.DropTable("trust_models");
    }
}
