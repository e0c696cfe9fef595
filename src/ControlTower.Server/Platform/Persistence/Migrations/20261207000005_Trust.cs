using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Adaptive trust: the append-only trust events, each scope's stage, the stage changes, and the trust scope of governed executions.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261207000005_Trust")]
internal sealed class Trust : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "trust_events",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ScopeKey = table.Column<string>(maxLength: 1100, nullable: false),
                Tenant = table.Column<string>(maxLength: 200, nullable: false),
                Site = table.Column<string>(maxLength: 200, nullable: false),
                Queue = table.Column<string>(maxLength: 200, nullable: false),
                ActionType = table.Column<string>(maxLength: 200, nullable: false),
                Role = table.Column<string>(maxLength: 200, nullable: false),
                Kind = table.Column<string>(maxLength: 20, nullable: false),
                ProposalId = table.Column<string>(maxLength: 200, nullable: false),
                Result = table.Column<string>(maxLength: 20, nullable: true),
                Actor = table.Column<string>(maxLength: 200, nullable: false),
                LatencySeconds = table.Column<double>(nullable: true),
                DurationMs = table.Column<double>(nullable: true),
                Mode = table.Column<string>(maxLength: 30, nullable: true),
                PredictedApproval = table.Column<double>(nullable: true),
                PredictedSuccess = table.Column<double>(nullable: true),
                AnomalyScore = table.Column<double>(nullable: true),
                Anomalous = table.Column<bool>(nullable: true),
                Features = table.Column<string>(nullable: true),
                Predictions = table.Column<string>(nullable: true),
                RunId = table.Column<Guid>(nullable: true),
                NodeId = table.Column<string>(maxLength: 100, nullable: true),
                ExecutionId = table.Column<Guid>(nullable: true),
                Source = table.Column<string>(maxLength: 30, nullable: false),
                IdempotencyKey = table.Column<string>(maxLength: 200, nullable: true),
                At = table.Column<DateTime>(nullable: false),
                RecordedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_trust_events", e => e.Id));
        CreateScopeIndex(migrationBuilder, "ix_trust_events_scope_at", "trust_events");
        migrationBuilder.CreateIndex("ix_trust_events_proposal", "trust_events", "ProposalId");
        migrationBuilder.CreateIndex("ix_trust_events_idempotency_key", "trust_events", "IdempotencyKey", unique: true);

        migrationBuilder.CreateTable(
            name: "trust_scopes",
            columns: table => new
            {
                ScopeKey = table.Column<string>(maxLength: 1100, nullable: false),
                Tenant = table.Column<string>(maxLength: 200, nullable: false),
                Site = table.Column<string>(maxLength: 200, nullable: false),
                Queue = table.Column<string>(maxLength: 200, nullable: false),
                ActionType = table.Column<string>(maxLength: 200, nullable: false),
                Role = table.Column<string>(maxLength: 200, nullable: false),
                Stage = table.Column<string>(maxLength: 30, nullable: false),
                StageSince = table.Column<DateTime>(nullable: false),
                EligibleStreak = table.Column<int>(nullable: false),
                EligibleSince = table.Column<DateTime>(nullable: true),
                PinStage = table.Column<string>(maxLength: 30, nullable: true),
                PinReason = table.Column<string>(maxLength: 1000, nullable: true),
                PinBy = table.Column<string>(maxLength: 200, nullable: true),
                PinAt = table.Column<DateTime>(nullable: true),
                PolicyVersion = table.Column<string>(maxLength: 100, nullable: false),
                LastMetrics = table.Column<string>(nullable: true),
                LastRule = table.Column<string>(maxLength: 50, nullable: true),
                LastReasons = table.Column<string>(nullable: true),
                LastEvaluatedAt = table.Column<DateTime>(nullable: true),
                Version = table.Column<long>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                if (migrationBuilder.ActiveProvider != MySqlProvider.Name)
                {
                    table.PrimaryKey("pk_trust_scopes", s => s.ScopeKey);
                }
            });
        if (migrationBuilder.ActiveProvider == MySqlProvider.Name)
        {
            migrationBuilder.Sql($"ALTER TABLE trust_scopes ADD CONSTRAINT pk_trust_scopes PRIMARY KEY (`ScopeKey`({MySqlProvider.IndexedPrefix}))");
        }

        migrationBuilder.CreateTable(
            name: "trust_stage_changes",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ScopeKey = table.Column<string>(maxLength: 1100, nullable: false),
                FromStage = table.Column<string>(maxLength: 30, nullable: false),
                ToStage = table.Column<string>(maxLength: 30, nullable: false),
                Rule = table.Column<string>(maxLength: 50, nullable: false),
                Reasons = table.Column<string>(nullable: false),
                Checks = table.Column<string>(nullable: false),
                Metrics = table.Column<string>(nullable: true),
                PolicyVersion = table.Column<string>(maxLength: 100, nullable: false),
                Actor = table.Column<string>(maxLength: 200, nullable: false),
                At = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_trust_stage_changes", c => c.Id));
        CreateScopeIndex(migrationBuilder, "ix_trust_stage_changes_scope_at", "trust_stage_changes");

        migrationBuilder.AddColumn<string>("TrustScopeKey", "governed_executions", maxLength: 1100, nullable: true);
        migrationBuilder.AddColumn<string>("TrustProposalId", "governed_executions", maxLength: 200, nullable: true);
        migrationBuilder.AddColumn<string>("TrustMode", "governed_executions", maxLength: 30, nullable: true);
        migrationBuilder.AddColumn<string>("TrustWhy", "governed_executions", maxLength: 1000, nullable: true);
    }

    /// <summary>An index on (ScopeKey, At); on MySQL over the key's first <see cref="MySqlProvider.IndexedPrefix"/> characters.</summary>
    private static void CreateScopeIndex(MigrationBuilder migrationBuilder, string name, string table)
    {
        if (migrationBuilder.ActiveProvider == MySqlProvider.Name)
        {
            migrationBuilder.Sql($"CREATE INDEX {name} ON {table} (`ScopeKey`({MySqlProvider.IndexedPrefix}), `At`)");
            return;
        }

        migrationBuilder.CreateIndex(name, table, ["ScopeKey", "At"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn("TrustWhy", "governed_executions");
        migrationBuilder.DropColumn("TrustMode", "governed_executions");
        migrationBuilder.DropColumn("TrustProposalId", "governed_executions");
        migrationBuilder.DropColumn("TrustScopeKey", "governed_executions");
        migrationBuilder.DropTable("trust_stage_changes");
        migrationBuilder.DropTable("trust_scopes");
        migrationBuilder.DropTable("trust_events");
    }
}
