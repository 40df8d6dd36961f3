using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Access;
using Takt.Integration.Operations;
using Takt.Integration.Webhooks;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Server.Onboarding;

/// <summary>
/// A new plant (or an acquired one) from a template plant: <c>from</c> the template's code, the new <c>code</c> and
/// <c>name</c>, optionally its IANA <c>timeZone</c> (default: the template's), the URL its WMS receives pick
/// instructions at, and how often its MES must send events (<c>freshnessMinutes</c>, default 10).
/// </summary>
public sealed record OnboardingRequest(string? From = null, string? Code = null, string? Name = null, string? TimeZone = null, Uri? WmsWebhookUrl = null, int? FreshnessMinutes = null, string? Reason = null);

/// <summary>An API client the onboarding registers for a plant system, restricted to the new plant.</summary>
public sealed record OnboardingClient(string Id, string Name, IReadOnlyList<string> Scopes);

/// <summary>
/// What an approved onboarding creates, all in one transaction: the master data skeleton (plant, work centers with the
/// template's rates, routings, BOMs, standard costs, overheads), the template's plant-specific account determination
/// rules, API clients for its MES and WMS with a freshness objective on the MES and a webhook subscription for the
/// WMS; after that commit, the template's business calendar and a proposal of each of the template's flow variants
/// (each approved by the process owner, as every variant is).
/// </summary>
public sealed record OnboardingPlan(
    string From,
    string Code,
    string Name,
    string Company,
    string TimeZone,
    MasterDataDocument MasterData,
    IReadOnlyList<DeterminationRuleDraft> DeterminationRules,
    IReadOnlyList<string> FlowVariants,
    IReadOnlyList<OnboardingClient> Clients,
    int FreshnessMinutes,
    Uri? WmsWebhookUrl);

/// <summary>An onboarding: its plan, who proposed and approved it, and (once live) what was created.</summary>
public sealed record OnboardingView(
    string Code,
    string From,
    string Status,
    OnboardingPlan Plan,
    string ProposedBy,
    DateTimeOffset ProposedAt,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    OnboardingReport? Report);

/// <summary>
/// What an approval created. <see cref="ApiKeys"/> and <see cref="WebhookSecret"/> are shown in the approval's answer
/// only (null when the onboarding is read later). FollowUps are the steps after the commit (calendar, variant
/// proposals) with their outcome; a failed one is retried by approving again.
/// </summary>
public sealed record OnboardingReport(
    int WorkCenters,
    int Routings,
    int Boms,
    int StandardCosts,
    int DeterminationRules,
    IReadOnlyList<string> Clients,
    string? Webhook,
    IReadOnlyDictionary<string, string> FollowUps,
    IReadOnlyDictionary<string, string>? ApiKeys = null,
    string? WebhookSecret = null);

/// <summary>Proposes, shows and approves plant onboardings (API and <c>takt plants onboard|approve</c>).</summary>
public sealed partial class PlantOnboarding(IMasterData masterData, ILedger ledger, IOrchestration flows, AccessOptions access, TimeProvider clock)
{
    public const int DefaultFreshnessMinutes = 10;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static readonly string[] MesScopes = [Scopes.EventsProductionWrite, Scopes.ProductionRead];

    private static readonly string[] WmsScopes = [Scopes.EventsProductionWrite, Scopes.InventoryRead, Scopes.WebhooksManage];

    private static readonly string[] WmsEvents = [EventTypes.PickInstructed, EventTypes.PickChanged, EventTypes.PickCancelled];

    [GeneratedRegex("^[A-Z0-9]{2,10}$", RegexOptions.None, matchTimeoutMilliseconds: 100)]
    private static partial Regex PlantCode();

    [GeneratedRegex("^plant:.*$", RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PlantLine();

    [GeneratedRegex("^reason:.*$", RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReasonLine();

    /// <summary>
    /// Builds the plan from the template and keeps it as a proposal. Proposing the same again returns the same
    /// proposal; a different proposal for a code already proposed is refused.
    /// </summary>
    public async Task<Outcome<(OnboardingView View, bool Created)>> ProposeAsync(TaktStore store, OnboardingRequest request, string actor, CancellationToken ct)
    {
        var v = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.From))
            v.Add(new Violation("/from", "field.required", "Name the template plant (from)."));
        if (request.Code is null || !PlantCode().IsMatch(request.Code))
            v.Add(new Violation("/code", "onboarding.code-invalid", "code is 2–10 upper-case letters or digits."));
        if (string.IsNullOrWhiteSpace(request.Name))
            v.Add(new Violation("/name", "field.required", "Name the new plant."));
        if (string.IsNullOrWhiteSpace(request.Reason))
            v.Add(new Violation("/reason", "field.required", "Say why the plant is onboarded (the acquisition, the project)."));
        if (request.FreshnessMinutes is < 1 or > 10080)
            v.Add(new Violation("/freshnessMinutes", "freshness.minutes-invalid", "freshnessMinutes is 1–10080."));
        if (request.WmsWebhookUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            v.Add(new Violation("/wmsWebhookUrl", "webhook.url-invalid", "wmsWebhookUrl must be an absolute http or https URL."));
        if (request.TimeZone is { } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            v.Add(new Violation("/timeZone", "plant.time-zone-unknown", $"'{zone}' is not an IANA time zone."));
        if (v.Count > 0)
            return v.ToArray();

        var requestJson = JsonSerializer.Serialize(request, Json);
        if (await ReadAsync(store, request.Code!, ct) is { } existing)
        {
            var sameRequest = await store.ReadAsync(clock, async tx => await tx.Command("SELECT request FROM server_plant_onboarding WHERE code = $1", request.Code).ExecuteScalarAsync(ct) as string, ct) == requestJson;
            return sameRequest && existing.ProposedBy == actor
                ? (existing, false)
                : new Violation("/code", "onboarding.exists", $"Plant {request.Code} has an onboarding already ({existing.Status}, proposed by {existing.ProposedBy}).");
        }

        var document = await masterData.ExportAsync(store, ct);
        var template = document.Plants?.FirstOrDefault(p => p.Code == request.From);
        if (template is null)
            return new Violation("/from", "plant.unknown", $"Plant '{request.From}' does not exist.");
        if (document.Plants!.Any(p => p.Code == request.Code))
            return new Violation("/code", "plant.exists", $"Plant {request.Code} exists already.");

        var code = request.Code!;
        string Rename(string workCenter) => workCenter.StartsWith(template.Code, StringComparison.Ordinal) ? code + workCenter[template.Code.Length..] : $"{code}-{workCenter}";
        var skeleton = new MasterDataDocument(
            Plants: [new PlantRecord(code, request.Name!.Trim(), template.Company, request.TimeZone ?? template.TimeZone, template.WorkingDays)],
            WorkCenters: [.. (document.WorkCenters ?? []).Where(w => w.Plant == template.Code).Select(w => w with { Code = Rename(w.Code), Plant = code })],
            Boms: [.. (document.Boms ?? []).Where(b => b.Plant == template.Code).Select(b => b with { Plant = code })],
            Routings: [.. (document.Routings ?? []).Where(r => r.Plant == template.Code).Select(r => r with { Plant = code, Operations = [.. r.Operations.Select(o => o with { WorkCenter = Rename(o.WorkCenter) })] })],
            StandardCosts: [.. (document.StandardCosts ?? []).Where(c => c.Plant == template.Code).Select(c => c with { Plant = code })],
            Overheads: [.. (document.Overheads ?? []).Where(o => o.Plant == template.Code).Select(o => o with { Plant = code })]);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var rules = await store.ReadAsync(clock, tx => ledger.PlantRulesAsync(tx, template.Code, today, ct), ct);
        var variants = (await flows.VariantsAsync(store, template.Code, ct)).Where(x => x.Status == "active").Select(x => x.Flow).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var lower = code.ToLowerInvariant();
        var plan = new OnboardingPlan(template.Code, code, request.Name.Trim(), template.Company, request.TimeZone ?? template.TimeZone, skeleton,
            [.. rules.Select(r => r with { Key = r.Key with { Plant = code } })],
            variants,
            [new OnboardingClient($"mes-{lower}", $"MES of plant {code}", MesScopes), new OnboardingClient($"wms-{lower}", $"WMS of plant {code}", WmsScopes)],
            request.FreshnessMinutes ?? DefaultFreshnessMinutes,
            request.WmsWebhookUrl);

        // The plan must import: checked now, in a transaction that is rolled back, so a reviewer sees a plan that works.
        var check = await store.ReadAsync(clock, tx => masterData.ImportAsync(tx, skeleton, new ChangeReason(actor, request.Reason!), ct), ct);
        if (check.IsRejected)
            return Outcome<(OnboardingView, bool)>.FromViolations([.. check.Violations.Select(x => x with { Field = "/plan/masterData" + x.Field })]);

        var now = clock.GetUtcNow();
        var stored = await store.WriteAsync(clock, async tx =>
        {
            var inserted = await tx.ExecuteAsync(
                "INSERT INTO server_plant_onboarding (code, template, status, request, plan, proposed_by, proposed_at_us) VALUES ($1, $2, 'proposed', $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
                ct, code, template.Code, requestJson, JsonSerializer.Serialize(plan, Json), actor, now.ToUnixMicroseconds());
            return inserted == 1 ? Outcome<bool>.FromValue(true) : new Violation("/code", "onboarding.exists", $"Plant {code} has an onboarding already.");
        }, ct);
        if (stored.IsRejected)
            return Outcome<(OnboardingView, bool)>.FromViolations(stored.Violations);
        return (new OnboardingView(code, template.Code, "proposed", plan, actor, now, null, null, null), true);
    }

    /// <summary>
    /// A second person approves: master data, determination rules, clients, freshness objective and webhook are created
    /// in ONE transaction (all or nothing), then the calendar and flow-variant proposals follow. Approving a live
    /// onboarding again retries only follow-ups that failed and shows no keys.
    /// </summary>
    public async Task<Outcome<OnboardingView>> ApproveAsync(TaktStore store, string code, string actor, CancellationToken ct)
    {
        if (await ReadAsync(store, code, ct) is not { } onboarding)
            return new Violation("/code", "onboarding.unknown", $"No onboarding of plant '{code}'.");
        if (onboarding.Status == "live")
            return await FollowUpAsync(store, onboarding, onboarding.Report!, actor, ct);
        if (onboarding.ProposedBy == actor)
            return new Violation("/approvedBy", "onboarding.self-approval", $"{actor} proposed the onboarding of {code}; another person approves it.");

        var plan = onboarding.Plan;
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        string? webhook = null, secret = null;
        var created = await store.WriteAsync(clock, async tx =>
        {
            var imported = await masterData.ImportAsync(tx, plan.MasterData, new ChangeReason(actor, $"onboarding of {code} from {plan.From}"), ct);
            if (imported.IsRejected)
                return Outcome<ImportSummary>.FromViolations([.. imported.Violations.Select(x => x with { Field = "/plan/masterData" + x.Field })]);
            foreach (var (rule, i) in plan.DeterminationRules.Select((r, i) => (r, i)))
            {
                var added = await ledger.AddDeterminationRuleAsync(tx, rule, actor, ct);
                if (added.IsRejected)
                    return Outcome<ImportSummary>.FromViolations([.. added.Violations.Select(x => x with { Field = $"/plan/determinationRules/{i}" + x.Field })]);
            }

            foreach (var (client, i) in plan.Clients.Select((c, i) => (c, i)))
            {
                var registered = await ClientRegistry.RegisterAsync(tx, clock, access, new NewClient(client.Id, client.Name, actor, client.Scopes, [code]), ct);
                if (registered.IsRejected)
                    return Outcome<ImportSummary>.FromViolations([.. registered.Violations.Select(x => x with { Field = $"/plan/clients/{i}" + x.Field })]);
                keys[client.Id] = registered.Value.ApiKey;
            }

            var freshness = await ClientFreshness.SetAsync(tx, plan.Clients[0].Id, plan.FreshnessMinutes, ct);
            if (freshness.IsRejected)
                return Outcome<ImportSummary>.FromViolations(freshness.Violations);
            if (plan.WmsWebhookUrl is { } url)
                (webhook, secret) = await WebhookSubscriptions.CreateAsync(tx, new WebhookRequest(url, WmsEvents, code, Description: $"WMS of plant {code} (onboarding)"), plan.Clients[1].Id, ct);

            var report = new OnboardingReport(plan.MasterData.WorkCenters?.Count ?? 0, plan.MasterData.Routings?.Count ?? 0, plan.MasterData.Boms?.Count ?? 0,
                plan.MasterData.StandardCosts?.Count ?? 0, plan.DeterminationRules.Count, [.. plan.Clients.Select(c => c.Id)], webhook, new Dictionary<string, string>(StringComparer.Ordinal));
            var updated = await tx.ExecuteAsync("UPDATE server_plant_onboarding SET status = 'live', approved_by = $1, approved_at_us = $2, report = $3 WHERE code = $4 AND status = 'proposed'",
                ct, actor, clock.GetUtcNow().ToUnixMicroseconds(), JsonSerializer.Serialize(report, Json), code);
            return updated == 1 ? imported : new Violation("/code", "onboarding.approved-meanwhile", $"The onboarding of {code} was approved meanwhile.");
        }, ct);
        if (created.IsRejected)
            return Outcome<OnboardingView>.FromViolations(created.Violations);

        var live = (await ReadAsync(store, code, ct))!;
        var followed = await FollowUpAsync(store, live, live.Report!, actor, ct);
        return followed.IsRejected ? followed : followed.Value with { Report = followed.Value.Report! with { ApiKeys = keys, WebhookSecret = secret } };
    }

    /// <summary>After the commit: the template's calendar and a proposal of each of its flow variants; each step once.</summary>
    private async Task<Outcome<OnboardingView>> FollowUpAsync(TaktStore store, OnboardingView onboarding, OnboardingReport report, string actor, CancellationToken ct)
    {
        var plan = onboarding.Plan;
        var steps = new Dictionary<string, string>(report.FollowUps, StringComparer.Ordinal);
        if (steps.GetValueOrDefault("calendar") is not "done")
        {
            var calendar = await flows.CalendarAsync(store, plan.From, ct);
            var set = await flows.SetCalendarAsync(store, plan.Code, calendar with { TimeZone = plan.TimeZone }, ct);
            steps["calendar"] = set.IsRejected ? "failed: " + string.Join("; ", set.Violations.Select(x => x.Rule)) : "done";
        }

        foreach (var flow in plan.FlowVariants)
        {
            var step = $"variant:{flow}";
            if (steps.GetValueOrDefault(step)?.StartsWith("proposed", StringComparison.Ordinal) == true)
                continue;
            var document = await store.ReadAsync(clock, async tx => await tx.Command(
                "SELECT document FROM orch_variant WHERE plant = $1 AND flow = $2 AND status = 'active' ORDER BY created_at_us DESC", plan.From, flow).ExecuteScalarAsync(ct) as string, ct);
            if (document is null)
            {
                steps[step] = "failed: the template's variant is no longer active";
                continue;
            }

            document = PlantLine().Replace(document, $"plant: {plan.Code}");
            document = ReasonLine().Replace(document, $"reason: Onboarding of {plan.Code} from the variant of {plan.From}.");
            var proposed = await flows.ProposeVariantAsync(store, document, actor, ct);
            steps[step] = proposed.IsRejected ? "failed: " + string.Join("; ", proposed.Violations.Select(x => x.Rule)) : $"proposed {proposed.Value.Id}";
        }

        var updated = report with { FollowUps = steps, ApiKeys = null, WebhookSecret = null };
        if (steps.Count == report.FollowUps.Count && steps.All(s => report.FollowUps.GetValueOrDefault(s.Key) == s.Value))
            return onboarding with { Report = updated };
        await store.WriteAsync(clock, async tx =>
        {
            await tx.ExecuteAsync("UPDATE server_plant_onboarding SET report = $1 WHERE code = $2", ct, JsonSerializer.Serialize(updated, Json), plan.Code);
            return Outcome<bool>.FromValue(true);
        }, ct);
        return onboarding with { Report = updated };
    }

    public async Task<OnboardingView?> ReadAsync(TaktStore store, string code, CancellationToken ct) =>
        await store.ReadAsync(clock, async tx =>
        {
            await using var r = await tx.Command("SELECT code, template, status, plan, proposed_by, proposed_at_us, approved_by, approved_at_us, report FROM server_plant_onboarding WHERE code = $1", code).ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct))
                return null;
            return new OnboardingView(r.GetString(0), r.GetString(1), r.GetString(2), JsonSerializer.Deserialize<OnboardingPlan>(r.GetString(3), Json)!, r.GetString(4),
                Instants.FromUnixMicroseconds(r.GetInt64(5)), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : Instants.FromUnixMicroseconds(r.GetInt64(7)),
                r.IsDBNull(8) ? null : JsonSerializer.Deserialize<OnboardingReport>(r.GetString(8), Json));
        }, ct);
}
