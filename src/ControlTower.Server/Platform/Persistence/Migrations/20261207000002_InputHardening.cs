using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// A credential is shared with a user or a role at most once: the vault checked that before inserting, but two
/// requests could pass the check together and both insert. Earlier duplicates are folded into the first share.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261207000002_InputHardening")]
internal sealed class InputHardening : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // MySQL databases start empty here (see WorkflowOwnership), and MySQL cannot delete from a table it reads in a subquery.
        if (migrationBuilder.ActiveProvider != MySqlProvider.Name)
        {
            FoldDuplicateShares(migrationBuilder);
        }

        migrationBuilder.CreateIndex("ux_credential_shares_user", "credential_shares", ["credential_id", "grantee_user_id"], unique: true);
        migrationBuilder.CreateIndex("ux_credential_shares_role", "credential_shares", ["credential_id", "grantee_role"], unique: true);
    }

    private static void FoldDuplicateShares(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            DELETE FROM credential_shares WHERE EXISTS (
                SELECT 1 FROM credential_shares earlier
                WHERE earlier.credential_id = credential_shares.credential_id
                  AND (earlier.grantee_user_id = credential_shares.grantee_user_id OR earlier.grantee_role = credential_shares.grantee_role)
                  AND (earlier.created_at < credential_shares.created_at
                       OR (earlier.created_at = credential_shares.created_at AND earlier.id < credential_shares.id)))
            """);

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("ux_credential_shares_role", "credential_shares");
        migrationBuilder.DropIndex("ux_credential_shares_user", "credential_shares");
    }
}
