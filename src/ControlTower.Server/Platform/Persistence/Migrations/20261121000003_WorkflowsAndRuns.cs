using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Workflows with immutable versions; runs with their checkpoint, event stream, durable tasks and node attempts.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000003_WorkflowsAndRuns")]
internal sealed class WorkflowsAndRuns : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "workflows",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 200, nullable: false),
                Description = table.Column<string>(maxLength: 2000, nullable: true),
                OwnerId = table.Column<Guid>(nullable: false),
                Enabled = table.Column<bool>(nullable: false),
                LatestVersion = table.Column<int>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_workflows", w => w.Id));
        migrationBuilder.CreateIndex("ix_workflows_name", "workflows", "Name");

        migrationBuilder.CreateTable(
            name: "workflow_versions",
            columns: table => new
            {
                WorkflowId = table.Column<Guid>(nullable: false),
                Version = table.Column<int>(nullable: false),
                Graph = table.Column<string>(nullable: false),
                Author = table.Column<string>(maxLength: 200, nullable: false),
                Message = table.Column<string>(maxLength: 1000, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_workflow_versions", v => new { v.WorkflowId, v.Version });
                table.ForeignKey("fk_workflow_versions_workflows", v => v.WorkflowId, "workflows", "Id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "runs",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                WorkflowId = table.Column<Guid>(nullable: false),
                WorkflowVersion = table.Column<int>(nullable: false),
                Status = table.Column<string>(maxLength: 20, nullable: false),
                State = table.Column<string>(nullable: false),
                StateVersion = table.Column<long>(nullable: false),
                NextEventSeq = table.Column<long>(nullable: false),
                Input = table.Column<string>(nullable: true),
                Output = table.Column<string>(nullable: true),
                ErrorNodeId = table.Column<string>(maxLength: 100, nullable: true),
                ErrorCode = table.Column<string>(maxLength: 100, nullable: true),
                ErrorMessage = table.Column<string>(nullable: true),
                Seed = table.Column<long>(nullable: false),
                IdempotencyKey = table.Column<string>(maxLength: 200, nullable: true),
                Trigger = table.Column<string>(maxLength: 20, nullable: false),
                StartedBy = table.Column<Guid>(nullable: false),
                TraceId = table.Column<string>(maxLength: 32, nullable: false),
                ParentRunId = table.Column<Guid>(nullable: true),
                ParentNodeId = table.Column<string>(maxLength: 100, nullable: true),
                ParentAttempt = table.Column<int>(nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
                FinishedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_runs", r => r.Id));
        migrationBuilder.CreateIndex("ix_runs_workflow_idempotency", "runs", ["WorkflowId", "IdempotencyKey"], unique: true);
        migrationBuilder.CreateIndex("ix_runs_status_created", "runs", ["Status", "CreatedAt"]);
        migrationBuilder.CreateIndex("ix_runs_created", "runs", "CreatedAt");

        migrationBuilder.CreateTable(
            name: "run_events",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                Seq = table.Column<long>(nullable: false),
                Type = table.Column<string>(maxLength: 20, nullable: false),
                Timestamp = table.Column<DateTime>(nullable: false),
                Data = table.Column<string>(nullable: false),
                TraceId = table.Column<string>(maxLength: 32, nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_events", e => new { e.RunId, e.Seq }));

        migrationBuilder.CreateTable(
            name: "run_tasks",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 100, nullable: false),
                Attempt = table.Column<int>(nullable: false),
                Kind = table.Column<string>(maxLength: 20, nullable: false),
                DueAt = table.Column<DateTime>(nullable: false),
                LeaseOwner = table.Column<string>(maxLength: 64, nullable: true),
                LeaseExpiresAt = table.Column<DateTime>(nullable: true),
                Payload = table.Column<string>(nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_run_tasks", t => t.Id));
        migrationBuilder.CreateIndex("ix_run_tasks_due", "run_tasks", "DueAt");
        migrationBuilder.CreateIndex("ix_run_tasks_run", "run_tasks", "RunId");

        migrationBuilder.CreateTable(
            name: "node_executions",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 100, nullable: false),
                Attempt = table.Column<int>(nullable: false),
                NodeType = table.Column<string>(maxLength: 100, nullable: false),
                IdempotencyKey = table.Column<string>(maxLength: 300, nullable: false),
                Status = table.Column<string>(maxLength: 20, nullable: false),
                Input = table.Column<string>(nullable: true),
                Output = table.Column<string>(nullable: true),
                Outcome = table.Column<string>(maxLength: 100, nullable: true),
                ErrorCode = table.Column<string>(maxLength: 100, nullable: true),
                ErrorMessage = table.Column<string>(nullable: true),
                StartedAt = table.Column<DateTime>(nullable: false),
                FinishedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_node_executions", e => new { e.RunId, e.NodeId, e.Attempt }));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("node_executions");
        migrationBuilder.DropTable("run_tasks");
        migrationBuilder.DropTable("run_events");
        migrationBuilder.DropTable("runs");
        migrationBuilder.DropTable("workflow_versions");
        migrationBuilder.DropTable("workflows");
    }
}
