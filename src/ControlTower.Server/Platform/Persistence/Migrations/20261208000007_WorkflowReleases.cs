using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Workflow releases (which version takes new runs: direct, canary or shadow) and the shadow runs paired with their
/// live runs. No rows are written: a workflow without a release keeps starting its latest version.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261208000007_WorkflowReleases")]
internal sealed class WorkflowReleases : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "workflow_releases",
            columns: table => new
            {
                WorkflowId = table.Column<Guid>(nullable: false),
                Mode = table.Column<string>(maxLength: 20, nullable: false),
                StableVersion = table.Column<int>(nullable: false),
                PreviousStableVersion = table.Column<int>(nullable: true),
                CandidateVersion = table.Column<int>(nullable: true),
                CanaryPolicy = table.Column<string>(nullable: true),
                StepIndex = table.Column<int>(nullable: false),
                PhaseStartedAt = table.Column<DateTime>(nullable: false),
                LastDecision = table.Column<string>(maxLength: 1000, nullable: true),
                Revision = table.Column<int>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
                UpdatedBy = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_workflow_releases", r => r.WorkflowId);
                table.ForeignKey("fk_workflow_releases_workflows", r => r.WorkflowId, "workflows", "Id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "release_shadow_runs",
            columns: table => new
            {
                LiveRunId = table.Column<Guid>(nullable: false),
                ShadowRunId = table.Column<Guid>(nullable: true),
                RefusedCode = table.Column<string>(maxLength: 100, nullable: true),
                WorkflowId = table.Column<Guid>(nullable: false),
                LiveVersion = table.Column<int>(nullable: false),
                CandidateVersion = table.Column<int>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                ComparedAt = table.Column<DateTime>(nullable: true),
                Differences = table.Column<int>(nullable: true),
                Nodes = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_release_shadow_runs", s => s.LiveRunId));
        migrationBuilder.CreateIndex("ix_release_shadow_runs_workflow", "release_shadow_runs", ["WorkflowId", "CandidateVersion"]);
        migrationBuilder.CreateIndex("ix_release_shadow_runs_shadow", "release_shadow_runs", "ShadowRunId", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("release_shadow_runs");
        migrationBuilder.DropTable("workflow_releases");
    }
}
