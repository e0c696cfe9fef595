using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Trained trust models and audit export archives in the blob store: <c>trust_models</c> gains the reference to its
/// artifact's blob (hash, size, media type) and its inline bytes become optional (rows trained before keep them), and
/// <c>audit_archives</c> records each gzipped export file with the stretch of the hash chain it holds.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261210000002_BlobbedArtifacts")]
internal sealed class BlobbedArtifacts : Migration
{
    private const string Sqlite = "Microsoft.EntityFrameworkCore.Sqlite";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        if (migrationBuilder.ActiveProvider == Sqlite)
        {
            RebuildTrustModelsForSqlite(migrationBuilder);
        }
        else
        {
            migrationBuilder.AddColumn<string>("ArtifactSha256", "trust_models", maxLength: 64, nullable: true);
            migrationBuilder.AddColumn<long>("ArtifactSize", "trust_models", nullable: true);
            migrationBuilder.AddColumn<string>("ArtifactMediaType", "trust_models", maxLength: 100, nullable: true);
            migrationBuilder.AlterColumn<byte[]>("Artifact", "trust_models", nullable: true, oldClrType: typeof(byte[]), oldNullable: false);
        }

        migrationBuilder.CreateIndex("ix_trust_models_artifactsha256", "trust_models", "ArtifactSha256");

        migrationBuilder.CreateTable(
            name: "audit_archives",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                FileName = table.Column<string>(maxLength: 100, nullable: false),
                FirstSequence = table.Column<long>(nullable: false),
                LastSequence = table.Column<long>(nullable: false),
                PreviousHash = table.Column<string>(maxLength: 64, nullable: false),
                LastHash = table.Column<string>(maxLength: 64, nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                Size = table.Column<long>(nullable: false),
                ContentLength = table.Column<long>(nullable: false),
                ArchivedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_audit_archives", a => a.Id));
        migrationBuilder.CreateIndex("ix_audit_archives_firstsequence", "audit_archives", "FirstSequence", unique: true);
        migrationBuilder.CreateIndex("ix_audit_archives_sha256", "audit_archives", "Sha256");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("audit_archives");
        migrationBuilder.DropIndex("ix_trust_models_artifactsha256", "trust_models");
        migrationBuilder.DropColumn("ArtifactMediaType", "trust_models");
        migrationBuilder.DropColumn("ArtifactSize", "trust_models");
        migrationBuilder.DropColumn("ArtifactSha256", "trust_models");
    }

    /// <summary>SQLite cannot make a column nullable in place: the table is copied into its new shape (hand-written migrations carry no model to rebuild from).</summary>
    private static void RebuildTrustModelsForSqlite(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE "trust_models_new" (
                "Id" TEXT NOT NULL CONSTRAINT "pk_trust_models" PRIMARY KEY,
                "Kind" TEXT NOT NULL,
                "Scope" TEXT NOT NULL,
                "Version" TEXT NOT NULL,
                "TrainedAt" TEXT NOT NULL,
                "Seed" INTEGER NOT NULL,
                "FeatureConfigHash" TEXT NOT NULL,
                "Manifest" TEXT NOT NULL,
                "Artifact" BLOB NULL,
                "EventsAtTraining" INTEGER NOT NULL,
                "Active" INTEGER NOT NULL,
                "TrainedBy" TEXT NOT NULL,
                "ArtifactSha256" TEXT NULL,
                "ArtifactSize" INTEGER NULL,
                "ArtifactMediaType" TEXT NULL
            );
            """);
        migrationBuilder.Sql("""
            INSERT INTO "trust_models_new" ("Id", "Kind", "Scope", "Version", "TrainedAt", "Seed", "FeatureConfigHash", "Manifest", "Artifact", "EventsAtTraining", "Active", "TrainedBy")
            SELECT "Id", "Kind", "Scope", "Version", "TrainedAt", "Seed", "FeatureConfigHash", "Manifest", "Artifact", "EventsAtTraining", "Active", "TrainedBy" FROM "trust_models";
            """);
        migrationBuilder.Sql("""DROP TABLE "trust_models";""");
        migrationBuilder.Sql("""ALTER TABLE "trust_models_new" RENAME TO "trust_models";""");
        migrationBuilder.CreateIndex("ix_trust_models_version", "trust_models", "Version", unique: true);
        migrationBuilder.CreateIndex("ix_trust_models_kind_active", "trust_models", ["Kind", "Active"]);
    }
}
