using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Kill switches per node type, and the node type on a task, so switching a type back on wakes exactly
/// the attempts parked because it was off.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261121000008_NodeTypeSwitches")]
internal sealed class NodeTypeSwitches : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "node_type_switches",
            columns: table => new
            {
                NodeType = table.Column<string>(maxLength: 100, nullable: false),
                Enabled = table.Column<bool>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: true),
                ChangedBy = table.Column<string>(maxLength: 200, nullable: false),
                ChangedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_node_type_switches", s => s.NodeType));

        migrationBuilder.AddColumn<string>("NodeType", "run_tasks", maxLength: 100, nullable: true);
        migrationBuilder.CreateIndex("ix_run_tasks_kind_node_type", "run_tasks", ["Kind", "NodeType"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("ix_run_tasks_kind_node_type", "run_tasks");
        migrationBuilder.DropColumn("NodeType", "run_tasks");
        migrationBuilder.DropTable("node_type_switches");
    }
}
