using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Users, API keys and the audit log. Hand-written and provider-neutral: column types come from
/// each provider's mapping of the CLR type, so the same migration runs on SQLite and PostgreSQL.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000001_Foundation")]
internal sealed class Foundation : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "users",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 100, nullable: false),
                Email = table.Column<string>(maxLength: 320, nullable: true),
                Role = table.Column<string>(maxLength: 20, nullable: false),
                BuiltIn = table.Column<bool>(nullable: false),
                Disabled = table.Column<bool>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_users", u => u.Id));
        migrationBuilder.CreateIndex("ix_users_name", "users", "Name", unique: true);

        migrationBuilder.CreateTable(
            name: "api_keys",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                UserId = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 100, nullable: false),
                Prefix = table.Column<string>(maxLength: 16, nullable: false),
                Hash = table.Column<string>(maxLength: 64, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                LastUsedAt = table.Column<DateTime>(nullable: true),
                RevokedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_api_keys", k => k.Id);
                table.ForeignKey("fk_api_keys_users", k => k.UserId, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_api_keys_prefix", "api_keys", "Prefix", unique: true);
        migrationBuilder.CreateIndex("ix_api_keys_user", "api_keys", "UserId");

        migrationBuilder.CreateTable(
            name: "audit_entries",
            columns: table => new
            {
                Sequence = table.Column<long>(nullable: false),
                Timestamp = table.Column<DateTime>(nullable: false),
                Actor = table.Column<string>(maxLength: 200, nullable: false),
                Action = table.Column<string>(maxLength: 100, nullable: false),
                Target = table.Column<string>(maxLength: 400, nullable: false),
                Reason = table.Column<string>(nullable: false),
                Data = table.Column<string>(nullable: true),
                PreviousHash = table.Column<string>(maxLength: 64, nullable: false),
                Hash = table.Column<string>(maxLength: 64, nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_audit_entries", e => e.Sequence));
        migrationBuilder.CreateIndex("ix_audit_entries_timestamp", "audit_entries", "Timestamp");
        migrationBuilder.CreateIndex("ix_audit_entries_actor", "audit_entries", "Actor");
        migrationBuilder.CreateIndex("ix_audit_entries_action", "audit_entries", "Action");
        migrationBuilder.CreateIndex("ix_audit_entries_target", "audit_entries", "Target");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("audit_entries");
        migrationBuilder.DropTable("api_keys");
        migrationBuilder.DropTable("users");
    }
}
