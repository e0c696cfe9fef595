using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>A governed rollback's claim (who, when, until when) and its last error, so a failed or abandoned one can be seen and retried.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000007_RollbackClaims")]
internal sealed class RollbackClaims : Migration
{
    private const string Table = "governed_executions";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<Guid>(name: "RollbackClaimId", table: Table, nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "RollbackStartedAt", table: Table, nullable: true);
        migrationBuilder.AddColumn<string>(name: "RollbackStartedBy", table: Table, maxLength: 200, nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "RollbackLeaseUntil", table: Table, nullable: true);
        migrationBuilder.AddColumn<string>(name: "LastRollbackError", table: Table, nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "LastRollbackError", table: Table);
        migrationBuilder.DropColumn(name: "RollbackLeaseUntil", table: Table);
        migrationBuilder.DropColumn(name: "RollbackStartedBy", table: Table);
        migrationBuilder.DropColumn(name: "RollbackStartedAt", table: Table);
        migrationBuilder.DropColumn(name: "RollbackClaimId", table: Table);
    }
}
