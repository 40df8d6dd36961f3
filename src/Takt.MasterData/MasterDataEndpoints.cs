using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

/// <summary>
/// <c>/api/v1/masterdata</c>: bulk import (JSON or CSV, all or nothing, with a line-level report), export, and
/// record-level reads and writes (PUT runs the same checks as an import of that one record).
/// </summary>
internal static class MasterDataEndpoints
{
    /// <summary>RFC 9457 with the fields and rules (the shape of the gateway's problems; this module references no other).</summary>
    internal sealed record ProblemBody(string Type, string Title, int Status, string? Detail, IReadOnlyList<Violation> Errors);

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public sealed record ItemView(string Number, string Description, string Type, string BaseUnit, string ItemClass, bool LotControlled, IReadOnlyList<ConversionRecord> Conversions, IReadOnlyList<StandardCostRecord> StandardCosts);

    public sealed record ChangeView(string Entity, string Key, string Field, string? OldValue, string NewValue, string ChangedBy, DateTimeOffset ChangedAt, string Reason);

    public static RouteGroupBuilder Map(RouteGroupBuilder api)
    {
        var md = api.MapGroup("/masterdata").WithTags("Master data");
        md.MapPost("/import", async (HttpRequest request, IMasterData masterData, TaktStore store, TimeProvider clock, bool? dryRun, string? reason, CancellationToken ct) =>
            {
                var parsed = await ReadDocumentAsync(request, ct);
                if (parsed.IsRejected)
                    return Answer(Malformed(parsed.Violations));
                return await ImportAsync(masterData, store, clock, parsed.Value, Actor(request.HttpContext), reason ?? "import", dryRun == true, ct);
            })
            .Accepts<MasterDataDocument>("application/json", "text/csv")
            .WithName("ImportMasterData")
            .WithSummary("Import master data (JSON document or CSV lines): every record is checked; one broken rule imports nothing and the report names each line/field and rule. ?dryRun=true checks only. A change to governed fields (standard cost, released BOM) of a plant whose masterdata-change-approval standard is published answers 202 with the change request waiting for approval.");
        md.MapGet("/export", async (IMasterData masterData, TaktStore store, string? format, CancellationToken ct) =>
            {
                var document = await masterData.ExportAsync(store, ct);
                return string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
                    ? Results.Text(MasterDataCsv.Write(document), "text/csv", Encoding.UTF8)
                    : Results.Json(document, Json);
            })
            .WithName("ExportMasterData")
            .WithSummary("Everything in the import format (?format=csv for CSV); importing it again changes nothing.");
        md.MapGet("/items/{number}", async (TaktStore store, string number, CancellationToken ct) =>
                await ItemAsync(store, number, ct) is { } item ? Results.Json(item, Json) : NotFound("/number", "item.unknown", $"Item '{number}' does not exist."))
            .WithName("GetItem")
            .WithSummary("An item with its unit conversions and standard costs per plant.");
        md.MapPut("/items/{number}", async (HttpContext http, IMasterData masterData, TaktStore store, TimeProvider clock, string number, ItemRecord body, CancellationToken ct) =>
                await ImportAsync(masterData, store, clock, new MasterDataDocument(Items: [body with { Number = number }]), Actor(http), "item saved", false, ct))
            .WithName("SaveItem")
            .WithSummary("Create or change an item (the checks of an import).");
        md.MapPut("/work-centers/{code}", async (HttpContext http, IMasterData masterData, TaktStore store, TimeProvider clock, string code, WorkCenterRecord body, CancellationToken ct) =>
                await ImportAsync(masterData, store, clock, new MasterDataDocument(WorkCenters: [body with { Code = code }]), Actor(http), "work center saved", false, ct))
            .WithName("SaveWorkCenter")
            .WithSummary("Create or change a work center: rates, capacity, calendar.");
        md.MapPut("/routings/{plant}/{item}", async (HttpContext http, IMasterData masterData, TaktStore store, TimeProvider clock, string plant, string item, RoutingRecord body, CancellationToken ct) =>
                await ImportAsync(masterData, store, clock, new MasterDataDocument(Routings: [body with { Plant = plant, Item = item }]), Actor(http), "routing saved", false, ct))
            .WithName("SaveRouting")
            .WithSummary("Replace the routing of an item at a plant.");
        md.MapPut("/boms/{plant}/{item}/{version:int}", async (HttpContext http, IMasterData masterData, TaktStore store, TimeProvider clock, string plant, string item, int version, BomRecord body, string? reason, CancellationToken ct) =>
                await ImportAsync(masterData, store, clock, new MasterDataDocument(Boms: [body with { Plant = plant, Item = item, Version = version }]), Actor(http), reason ?? "BOM saved", false, ct))
            .WithName("SaveBom")
            .WithSummary("Create or change a BOM version (a released version never changes: save a new one); ?reason= is logged.");
        md.MapGet("/boms/{plant}/{item}", async (IMasterData masterData, TaktStore store, string plant, string item, CancellationToken ct) =>
                Results.Json((await masterData.ExportAsync(store, ct)).Boms!.Where(b => b.Plant == plant && b.Item == item).ToList(), Json))
            .WithName("ListBomVersions")
            .WithSummary("The BOM versions of an item at a plant, with validity and lines.");
        md.MapGet("/change-requests", async (TaktStore store, string? id, string? status, string? plant, CancellationToken ct) =>
                Results.Json(await ChangeApproval.ListAsync(store, id, status, plant, ct), Json))
            .WithName("ListMasterDataChangeRequests")
            .WithSummary("Changes to governed fields proposed for approval (pending, applied, rejected, failed; ?id= for one), newest first: what each changes, who proposed it and why, its approval flow and outcome.");
        md.MapGet("/changes", async (TaktStore store, string? entity, string? key, CancellationToken ct) =>
                Results.Json(await ChangesAsync(store, entity, key, ct), Json))
            .WithName("ListMasterDataChanges")
            .WithSummary("Who changed governed fields (standard cost, released BOMs), when and why.");
        return api;
    }

    private static string Actor(HttpContext http) => http.User.FindFirst("client_id")?.Value ?? "unknown";

    private static async Task<IResult> ImportAsync(IMasterData masterData, TaktStore store, TimeProvider clock, MasterDataDocument document, string actor, string reason, bool dryRun, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var imported = await masterData.ImportOrProposeAsync(tx, document, new ChangeReason(actor, reason), ct);
        if (imported.IsRejected)
            return Answer(new ProblemBody("urn:takt:problem:rule-violated", "A business rule is broken.", 422,
                $"{imported.Violations.Count} problem(s); nothing was imported.", imported.Violations));
        if (dryRun)
            await tx.RollbackAsync(ct);
        else
            await tx.CommitAsync(ct);
        return imported.Value.Proposed is { } proposed && !dryRun
            ? Results.Json(proposed, Json, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(imported.Value.Applied ?? new ImportSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Json);
    }

    private static async Task<Outcome<MasterDataDocument>> ReadDocumentAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        var type = request.ContentType ?? "";
        if (type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
            return MasterDataCsv.Parse(text);
        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return new Violation("/headers/Content-Type", "content-type.unsupported", "Send application/json (a master-data document) or text/csv (one record per line).");
        try
        {
            return JsonSerializer.Deserialize<MasterDataDocument>(text, Json) is { } document
                ? document
                : new Violation("", "json.malformed", "The body is not a master-data document.");
        }
        catch (JsonException e)
        {
            var path = (e.Path ?? "$").TrimStart('$').Replace('.', '/').Replace("[", "/", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
            return new Violation(path, "json.malformed", $"The document is not valid: {e.Message}");
        }
    }

    private static ProblemBody Malformed(IReadOnlyList<Violation> errors) =>
        new("urn:takt:problem:malformed", "The request is malformed.", 400, errors.Count == 1 ? errors[0].Detail : $"{errors.Count} problem(s); nothing was imported.", errors);

    private static IResult NotFound(string field, string rule, string detail) =>
        Answer(new ProblemBody("urn:takt:problem:not-found", "The resource does not exist.", 404, detail, [new Violation(field, rule, detail)]));

    private static IResult Answer(ProblemBody problem) => Results.Json(problem, Json, "application/problem+json", problem.Status);

    private static async Task<ItemView?> ItemAsync(TaktStore store, string number, CancellationToken ct)
    {
        await using var c = await store.OpenConnectionAsync(ct);
        var item = await c.QuerySingleOrDefaultAsync<(string, string, string, string, string, long)?>(new CommandDefinition(
            "SELECT number, description, item_type, base_unit, item_class, lot_controlled FROM masterdata_item WHERE number = @number", new { number }, cancellationToken: ct));
        if (item is not { } i)
            return null;
        var conversions = await c.QueryAsync<(string, long)>(new CommandDefinition("SELECT unit, factor_e6 FROM masterdata_unit_conversion WHERE item = @number ORDER BY unit", new { number }, cancellationToken: ct));
        var costs = await c.QueryAsync<(string, long)>(new CommandDefinition("SELECT plant, standard_cost_e4 FROM masterdata_item_plant WHERE item = @number ORDER BY plant", new { number }, cancellationToken: ct));
        return new ItemView(i.Item1, i.Item2, i.Item3, i.Item4, i.Item5, i.Item6 != 0,
            [.. conversions.Select(x => new ConversionRecord(number, x.Item1, Fixed.FromE6(x.Item2)))],
            [.. costs.Select(x => new StandardCostRecord(x.Item1, number, Fixed.FromE4(x.Item2)))]);
    }

    private static async Task<IReadOnlyList<ChangeView>> ChangesAsync(TaktStore store, string? entity, string? key, CancellationToken ct)
    {
        await using var c = await store.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<(string, string, string, string?, string, string, long, string)>(new CommandDefinition(
            "SELECT entity, entity_key, field, old_value, new_value, changed_by, changed_at_us, reason FROM masterdata_change WHERE (CAST(@entity AS text) IS NULL OR entity = @entity) AND (CAST(@key AS text) IS NULL OR entity_key = @key) ORDER BY id LIMIT 1000",
            new { entity, key }, cancellationToken: ct));
        return [.. rows.Select(r => new ChangeView(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6, Instants.FromUnixMicroseconds(r.Item7), r.Item8))];
    }
}
