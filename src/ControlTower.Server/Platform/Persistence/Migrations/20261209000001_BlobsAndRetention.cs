using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Large payloads by reference (<c>blobs</c>, and <c>run_blobs</c>: which run refers to which blob) and the runs a person
/// keeps out of retention (<c>run_holds</c>).
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261209000001_BlobsAndRetention")]
internal sealed class BlobsAndRetention : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "blobs",
            columns: table => new
            {
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                Size = table.Column<long>(nullable: false),
                MediaType = table.Column<string>(maxLength: 100, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                LastReferencedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_blobs", b => b.Sha256));

        migrationBuilder.CreateTable(
            name: "run_blobs",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_blobs", b => new { b.RunId, b.Sha256 }));
        migrationBuilder.CreateIndex("ix_run_blobs_sha256", "run_blobs", "Sha256");

        migrationBuilder.CreateTable(
            name: "run_holds",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                HeldBy = table.Column<string>(maxLength: 200, nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_holds", h => h.RunId));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("run_holds");
        migrationBuilder.DropTable("run_blobs");
        migrationBuilder.DropTable("blobs");
    }
}
