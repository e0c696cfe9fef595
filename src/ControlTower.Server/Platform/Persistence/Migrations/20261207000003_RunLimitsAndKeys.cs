using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Users who sign in with OIDC tokens: the (issuer, subject) they are found by, unique (null for local users;
/// both SQLite and PostgreSQL allow many nulls under a unique index).
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261207000003_RunLimitsAndKeys")]
internal sealed class RunLimitsAndKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>("ExternalSubject", "users", maxLength: 520, nullable: true);
        migrationBuilder.CreateIndex("ix_users_external_subject", "users", "ExternalSubject", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("ix_users_external_subject", "users");
        migrationBuilder.DropColumn("ExternalSubject", "users");
    }
}
