using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Platform.Persistence.Migrations;

/// <summary>Which decisions of an approval must carry a comment (<c>always</c>, <c>reject</c>, <c>never</c>); existing rows ask it of rejections.</summary>
[DbContext(typeof(ControlTowerDbContext))]
[Migration("20261210000003_ApprovalCommentRequired")]
internal sealed class ApprovalCommentRequired : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<string>(name: "CommentRequired", table: "approvals", maxLength: 10, nullable: false, defaultValue: "reject");

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropColumn(name: "CommentRequired", table: "approvals");
}
