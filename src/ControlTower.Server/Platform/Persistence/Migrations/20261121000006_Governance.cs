using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Approvals and their decisions, gates with history, the kill switch, governed executions, and versioned rule sets.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000006_Governance")]
internal sealed class Governance : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "approvals",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 100, nullable: false),
                Attempt = table.Column<int>(nullable: false),
                WorkflowId = table.Column<Guid>(nullable: false),
                NodeType = table.Column<string>(maxLength: 100, nullable: false),
                Title = table.Column<string>(maxLength: 500, nullable: false),
                Instructions = table.Column<string>(nullable: true),
                Evidence = table.Column<string>(nullable: true),
                Roles = table.Column<string>(maxLength: 1000, nullable: false),
                Users = table.Column<string>(maxLength: 4000, nullable: false),
                RequiredApprovals = table.Column<int>(nullable: false),
                RequiredRejections = table.Column<int>(nullable: false),
                AllowSelfApproval = table.Column<bool>(nullable: false),
                InitiatorId = table.Column<Guid>(nullable: false),
                Status = table.Column<string>(maxLength: 20, nullable: false),
                Version = table.Column<long>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: true),
                EscalateAt = table.Column<DateTime>(nullable: true),
                EscalationRole = table.Column<string>(maxLength: 50, nullable: true),
                EscalatedAt = table.Column<DateTime>(nullable: true),
                ResolvedAt = table.Column<DateTime>(nullable: true),
                Output = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_approvals", a => a.Id));
        migrationBuilder.CreateIndex("ix_approvals_run_node_attempt", "approvals", ["RunId", "NodeId", "Attempt"], unique: true);
        migrationBuilder.CreateIndex("ix_approvals_status_created", "approvals", ["Status", "CreatedAt"]);
        migrationBuilder.CreateIndex("ix_approvals_workflow", "approvals", "WorkflowId");

        migrationBuilder.CreateTable(
            name: "approval_decisions",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ApprovalId = table.Column<Guid>(nullable: false),
                IdempotencyKey = table.Column<string>(maxLength: 200, nullable: false),
                DeciderId = table.Column<Guid>(nullable: false),
                DeciderName = table.Column<string>(maxLength: 200, nullable: false),
                Decision = table.Column<string>(maxLength: 10, nullable: false),
                Comment = table.Column<string>(maxLength: 4000, nullable: true),
                DecidedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_approval_decisions", d => d.Id);
                table.ForeignKey("fk_approval_decisions_approvals", d => d.ApprovalId, "approvals", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_approval_decisions_key", "approval_decisions", ["ApprovalId", "IdempotencyKey"], unique: true);
        migrationBuilder.CreateIndex("ix_approval_decisions_decider", "approval_decisions", ["ApprovalId", "DeciderId"], unique: true);

        migrationBuilder.CreateTable(
            name: "approval_comments",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ApprovalId = table.Column<Guid>(nullable: false),
                AuthorId = table.Column<Guid>(nullable: false),
                AuthorName = table.Column<string>(maxLength: 200, nullable: false),
                Text = table.Column<string>(maxLength: 4000, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_approval_comments", c => c.Id);
                table.ForeignKey("fk_approval_comments_approvals", c => c.ApprovalId, "approvals", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("ix_approval_comments_approval_created", "approval_comments", ["ApprovalId", "CreatedAt"]);

        migrationBuilder.CreateTable(
            name: "gates",
            columns: table => new
            {
                ScopeKey = table.Column<string>(maxLength: 400, nullable: false),
                WorkflowId = table.Column<Guid>(nullable: true),
                NodeType = table.Column<string>(maxLength: 100, nullable: true),
                ActionType = table.Column<string>(maxLength: 200, nullable: true),
                Authorized = table.Column<bool>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: false),
                UpdatedBy = table.Column<string>(maxLength: 200, nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_gates", g => g.ScopeKey));

        migrationBuilder.CreateTable(
            name: "gate_history",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ScopeKey = table.Column<string>(maxLength: 400, nullable: false),
                Value = table.Column<bool>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: false),
                Actor = table.Column<string>(maxLength: 200, nullable: false),
                At = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_gate_history", h => h.Id));
        migrationBuilder.CreateIndex("ix_gate_history_scope_at", "gate_history", ["ScopeKey", "At"]);

        migrationBuilder.CreateTable(
            name: "governance_switches",
            columns: table => new
            {
                Name = table.Column<string>(maxLength: 50, nullable: false),
                Engaged = table.Column<bool>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: false),
                UpdatedBy = table.Column<string>(maxLength: 200, nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_governance_switches", s => s.Name));

        migrationBuilder.CreateTable(
            name: "governed_executions",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 100, nullable: false),
                Attempt = table.Column<int>(nullable: false),
                WorkflowId = table.Column<Guid>(nullable: false),
                ActionType = table.Column<string>(maxLength: 200, nullable: false),
                ServerId = table.Column<string>(maxLength: 100, nullable: false),
                Tool = table.Column<string>(maxLength: 200, nullable: false),
                Arguments = table.Column<string>(nullable: false),
                Result = table.Column<string>(nullable: true),
                BeforeState = table.Column<string>(nullable: true),
                AfterState = table.Column<string>(nullable: true),
                Diff = table.Column<string>(nullable: true),
                CompensationTool = table.Column<string>(maxLength: 200, nullable: true),
                CompensationArguments = table.Column<string>(nullable: true),
                ReversibleUntil = table.Column<DateTime>(nullable: true),
                ApprovalId = table.Column<Guid>(nullable: true),
                AuthorizedBy = table.Column<string>(maxLength: 500, nullable: false),
                Status = table.Column<string>(maxLength: 20, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                RolledBackAt = table.Column<DateTime>(nullable: true),
                RolledBackBy = table.Column<string>(maxLength: 200, nullable: true),
                RollbackReason = table.Column<string>(maxLength: 1000, nullable: true),
                RollbackResult = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_governed_executions", e => e.Id));
        migrationBuilder.CreateIndex("ix_governed_executions_run_node_attempt", "governed_executions", ["RunId", "NodeId", "Attempt"], unique: true);
        migrationBuilder.CreateIndex("ix_governed_executions_approval", "governed_executions", "ApprovalId");

        migrationBuilder.CreateTable(
            name: "rule_sets",
            columns: table => new
            {
                Id = table.Column<string>(maxLength: 100, nullable: false),
                Description = table.Column<string>(maxLength: 2000, nullable: true),
                LatestVersion = table.Column<int>(nullable: false),
                CreatedBy = table.Column<string>(maxLength: 200, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_rule_sets", r => r.Id));

        migrationBuilder.CreateTable(
            name: "rule_set_versions",
            columns: table => new
            {
                RuleSetId = table.Column<string>(maxLength: 100, nullable: false),
                Version = table.Column<int>(nullable: false),
                Definition = table.Column<string>(nullable: false),
                Author = table.Column<string>(maxLength: 200, nullable: false),
                Message = table.Column<string>(maxLength: 1000, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_rule_set_versions", v => new { v.RuleSetId, v.Version });
                table.ForeignKey("fk_rule_set_versions_rule_sets", v => v.RuleSetId, "rule_sets", "Id", onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("rule_set_versions");
        migrationBuilder.DropTable("rule_sets");
        migrationBuilder.DropTable("governed_executions");
        migrationBuilder.DropTable("governance_switches");
        migrationBuilder.DropTable("gate_history");
        migrationBuilder.DropTable("gates");
        migrationBuilder.DropTable("approval_comments");
        migrationBuilder.DropTable("approval_decisions");
        migrationBuilder.DropTable("approvals");
    }
}
