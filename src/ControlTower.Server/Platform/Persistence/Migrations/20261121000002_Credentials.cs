using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// The credential vault: encrypted credentials and their use-only shares. Hand-written and
/// provider-neutral like <see cref="Foundation"/>; column names follow the mission's schema.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000002_Credentials")]
internal sealed class Credentials : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "credentials",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                user_id = table.Column<Guid>(nullable: false),
                credential_type = table.Column<string>(maxLength: 40, nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                encrypted_data = table.Column<string>(nullable: false),
                mcp_server_id = table.Column<string>(maxLength: 200, nullable: true),
                key_fingerprint = table.Column<string>(maxLength: 16, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                rotated_at = table.Column<DateTime>(nullable: true),
                last_used_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_credentials", c => c.id);
                table.ForeignKey("fk_credentials_users", c => c.user_id, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_credentials_user_name", "credentials", ["user_id", "name"], unique: true);
        migrationBuilder.CreateIndex("ix_credentials_mcp_server", "credentials", "mcp_server_id");

        migrationBuilder.CreateTable(
            name: "credential_shares",
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                credential_id = table.Column<Guid>(nullable: false),
                grantee_user_id = table.Column<Guid>(nullable: true),
                grantee_role = table.Column<string>(maxLength: 20, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                created_by = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_credential_shares", s => s.id);
                table.ForeignKey("fk_credential_shares_credentials", s => s.credential_id, "credentials", "id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("fk_credential_shares_users", s => s.grantee_user_id, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_credential_shares_credential", "credential_shares", "credential_id");
        migrationBuilder.CreateIndex("ix_credential_shares_user", "credential_shares", "grantee_user_id");
        migrationBuilder.CreateIndex("ix_credential_shares_role", "credential_shares", "grantee_role");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("credential_shares");
        migrationBuilder.DropTable("credentials");
    }
}
