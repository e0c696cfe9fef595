using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Workflow ownership and run principals. Existing workflows keep their owner (<c>OwnerId</c>, their creator);
/// shares start empty. Each version gets the id of the user who saved it (matched on the audit actor
/// <c>user:{name}</c> it recorded; versions saved by no user, such as seeded ones, are their workflow owner's).
/// Unfinished webhook and schedule runs are moved from the owner's identity to their version's author, so a run
/// resumed after the upgrade does not keep rights its version's author never had.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261207000001_WorkflowOwnership")]
internal sealed class WorkflowOwnership : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "workflow_shares",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                WorkflowId = table.Column<Guid>(nullable: false),
                GranteeUserId = table.Column<Guid>(nullable: true),
                GranteeRole = table.Column<string>(maxLength: 20, nullable: true),
                Access = table.Column<string>(maxLength: 20, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_workflow_shares", s => s.Id);
                table.ForeignKey("fk_workflow_shares_workflows", s => s.WorkflowId, "workflows", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("fk_workflow_shares_users", s => s.GranteeUserId, "users", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_workflow_shares_workflow", "workflow_shares", "WorkflowId");
        migrationBuilder.CreateIndex("ix_workflow_shares_user", "workflow_shares", "GranteeUserId");

        migrationBuilder.AddColumn<Guid>("AuthorId", "workflow_versions", nullable: false, defaultValue: Guid.Empty);
        migrationBuilder.AddColumn<string>("PrincipalSource", "runs", maxLength: 20, nullable: false, defaultValue: "caller");

        // MySQL support came later: a MySQL database runs this migration on empty tables, and its dialect reads these double quotes as strings.
        if (migrationBuilder.ActiveProvider != MySqlProvider.Name)
        {
            FillExistingRows(migrationBuilder);
        }
    }

    /// <summary>Gives the rows written before these columns their author and principal.</summary>
    private static void FillExistingRows(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            UPDATE workflow_versions SET "AuthorId" = COALESCE(
                (SELECT u."Id" FROM users u WHERE 'user:' || u."Name" = workflow_versions."Author"),
                (SELECT w."OwnerId" FROM workflows w WHERE w."Id" = workflow_versions."WorkflowId"))
            """);
        migrationBuilder.Sql("""
            UPDATE runs SET "PrincipalSource" = 'version_author', "StartedBy" = (
                SELECT v."AuthorId" FROM workflow_versions v WHERE v."WorkflowId" = runs."WorkflowId" AND v."Version" = runs."WorkflowVersion")
            WHERE runs."Trigger" IN ('webhook', 'schedule')
              AND runs."Status" NOT IN ('completed', 'failed', 'cancelled')
              AND EXISTS (SELECT 1 FROM workflow_versions v WHERE v."WorkflowId" = runs."WorkflowId" AND v."Version" = runs."WorkflowVersion")
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn("PrincipalSource", "runs");
        migrationBuilder.DropColumn("AuthorId", "workflow_versions");
        migrationBuilder.DropTable("workflow_shares");
    }
}
