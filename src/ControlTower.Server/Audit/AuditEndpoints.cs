using System.Text;
using System.Text.Json;
using ControlTower.Core.Audit;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Identity;

namespace ControlTower.Server.Audit;

internal static class AuditEndpoints
{
    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        var audit = routes.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Readers);

        audit.MapGet("/", async (string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to, long? after,
            long? before, string? order, int? limit, AuditQueries queries, CancellationToken ct) =>
            TypedResults.Ok(await queries.QueryAsync(new AuditFilter(actor, action, target, from, to, after, limit ?? 100) { NewestFirst = NewestFirst(order), Before = before }, ct)));

        audit.MapGet("/verify", async (AuditQueries queries, CancellationToken ct) =>
            TypedResults.Ok(VerificationResponse.From(await queries.VerifyAsync(ct))));

        audit.MapGet("/export", (AuditQueries queries, HttpContext context, CancellationToken ct) =>
            TypedResults.Stream(
                async stream =>
                {
                    await foreach (var row in queries.ReadRowsAsync(0, ct))
                    {
                        var line = JsonSerializer.Serialize(AuditMapping.ToResponse(row), LineOptions) + "\n";
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(line), ct);
                    }
                },
                contentType: "application/x-ndjson",
                fileDownloadName: "audit.jsonl"))
            .Produces<AuditEntryResponse>(StatusCodes.Status200OK, "application/x-ndjson");

        audit.MapGet("/archives", async (AuditArchiver archiver, CancellationToken ct) => TypedResults.Ok(await archiver.ListAsync(ct)));

        audit.MapGet("/archives/{id:guid}", async (Guid id, AuditArchiver archiver, CancellationToken ct) =>
        {
            var (content, fileName) = await archiver.ReadAsync(id, ct);
            return TypedResults.File(content, "application/gzip", fileName);
        }).Produces<byte[]>(StatusCodes.Status200OK, "application/gzip");

        return routes;
    }

    private static bool NewestFirst(string? order) => order switch
    {
        null or "asc" => false,
        "desc" => true,
        _ => throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.AuditQueryInvalid, "order must be asc (oldest first, the default) or desc (newest first)."),
    };
}

internal sealed record VerificationResponse(bool Intact, long EntriesChecked, string HeadHash, AuditChainBreak? FirstBreak)
{
    public static VerificationResponse From(AuditVerification verification) =>
        new(verification.Intact, verification.EntriesChecked, verification.HeadHash, verification.FirstBreak);
}
