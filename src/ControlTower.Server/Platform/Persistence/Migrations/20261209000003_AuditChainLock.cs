using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>The row MySQL locks to serialise audit appends (PostgreSQL takes an advisory lock, SQLite its write lock).</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261209000003_AuditChainLock")]
internal sealed class AuditChainLock : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "audit_chain_lock",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_audit_chain_lock", l => l.Id));
        migrationBuilder.Sql("INSERT INTO audit_chain_lock VALUES (1)");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("audit_chain_lock");
}
