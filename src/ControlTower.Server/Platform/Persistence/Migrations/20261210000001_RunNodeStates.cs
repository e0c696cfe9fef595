using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>
/// Node states as rows (<c>Runs/README.md</c>, "Incremental run state"): a commit appends the nodes it changed and
/// rewrites only the run's small header. Runs stored before keep their whole state in <c>runs.State</c>; they are read
/// as they are and move to the split form with their next commit, so no data is converted here.
/// </summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261210000001_RunNodeStates")]
internal sealed class RunNodeStatesTable : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateTable(
            name: "run_node_states",
            columns: table => new
            {
                RunId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 100, nullable: false),
                Version = table.Column<long>(nullable: false),
                State = table.Column<string>(nullable: false),
                Output = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_run_node_states", n => new { n.RunId, n.NodeId, n.Version });
                table.ForeignKey("fk_run_node_states_runs", n => n.RunId, "runs", "Id", onDelete: ReferentialAction.Cascade);
            });

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("run_node_states");
}
