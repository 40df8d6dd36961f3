using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Takt.Contracts;
using Takt.Orchestration.Approvals;
using Takt.Orchestration.Calendar;
using Takt.Orchestration.Engine;
using Takt.Orchestration.Standards;
using Takt.Orchestration.Variants;
using Takt.Store;

namespace Takt.Orchestration;

internal sealed class FlowOrchestration(FlowEngine engine, SessionPool sessions, StartGroups starts, TimeProvider clock) : IOrchestration
{
    /// <summary>The flow that takes a proposed plant variant to its process owner (shipped with the module).</summary>
    public const string VariantApprovalFlow = "flow-variant-approval";

    // ---------------------------------------------------------------- standards

    public async Task<Outcome<StandardVersion>> SaveStandardAsync(TaktStore store, string document, string author, CancellationToken ct)
    {
        var read = FlowStandardReader.Read(document, engine.ActionNames);
        if (read.IsRejected)
            return Outcome<StandardVersion>.FromViolations(read.Violations);
        var flow = read.Value;
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var latest = await tx.Command("SELECT MAX(version) FROM orch_standard WHERE flow = $1", flow.Flow).ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt32(max, CultureInfo.InvariantCulture) : 0;
        var existing = await tx.Command("SELECT status FROM orch_standard WHERE flow = $1 AND version = $2", flow.Flow, (long)flow.Version).ExecuteScalarAsync(ct) as string;
        if (existing is not null and not "draft")
            return new Violation("/version", "flow.version-immutable", $"{flow.Flow} v{flow.Version} is {existing}; a published version never changes: save the change as v{latest + 1}.");
        if (existing is null && flow.Version != latest + 1)
            return new Violation("/version", "flow.version-sequence", $"The next version of {flow.Flow} is {latest + 1}, not {flow.Version}.");
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        var definition = JsonSerializer.Serialize(flow, FlowDefinition.Json);
        if (existing is null)
        {
            await tx.ExecuteAsync(
                "INSERT INTO orch_standard (flow, version, status, title, owner_role, category, trigger_event, document, definition, created_by, created_at_us) VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10)", ct,
                flow.Flow, (long)flow.Version, flow.Title, flow.Owner, flow.Category, flow.Trigger?.Event, document, definition, author, now);
        }
        else
        {
            await tx.ExecuteAsync(
                "UPDATE orch_standard SET title = $3, owner_role = $4, category = $5, trigger_event = $6, document = $7, definition = $8, created_by = $9, created_at_us = $10 WHERE flow = $1 AND version = $2 AND status = 'draft'", ct,
                flow.Flow, (long)flow.Version, flow.Title, flow.Owner, flow.Category, flow.Trigger?.Event, document, definition, author, now);
        }

        await tx.CommitAsync(ct, recordCommit: false);
        return (await StandardsAsync(store, flow.Flow, ct)).First(s => s.Version == flow.Version);
    }

    public async Task<Outcome<StandardVersion>> PublishStandardAsync(TaktStore store, string flow, int version, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        if (await tx.Command("SELECT definition FROM orch_standard WHERE flow = $1 AND version = $2 AND status = 'draft'", flow, (long)version).ExecuteScalarAsync(ct) is not string json)
            return await StatusViolationAsync(tx, flow, version, "draft", ct);
        var definition = JsonSerializer.Deserialize<FlowDefinition>(json, FlowDefinition.Json)!;
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            if (definition.Steps[i].Doa is { } doa && await FlowEngine.DoaAsync(tx, doa, ct) is null)
                return new Violation($"/steps/{i}/doa", "flow.doa-unknown", $"No published delegation-of-authority matrix '{doa}': publish it first.");
        }

        await tx.ExecuteAsync("UPDATE orch_standard SET status = 'published', published_at_us = $1 WHERE flow = $2 AND version = $3", ct, clock.GetUtcNow().ToUnixMicroseconds(), flow, (long)version);
        await tx.CommitAsync(ct, recordCommit: false);
        return (await StandardsAsync(store, flow, ct)).First(s => s.Version == version);
    }

    public async Task<Outcome<StandardVersion>> RetireStandardAsync(TaktStore store, string flow, int version, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        if (await tx.ExecuteAsync("UPDATE orch_standard SET status = 'retired', retired_at_us = $1 WHERE flow = $2 AND version = $3 AND status = 'published'", ct, clock.GetUtcNow().ToUnixMicroseconds(), flow, (long)version) == 0)
            return await StatusViolationAsync(tx, flow, version, "published", ct);
        await tx.CommitAsync(ct, recordCommit: false);
        return (await StandardsAsync(store, flow, ct)).First(s => s.Version == version);
    }

    private static async Task<Violation> StatusViolationAsync(StoreTransaction tx, string flow, int version, string expected, CancellationToken ct) =>
        await tx.Command("SELECT status FROM orch_standard WHERE flow = $1 AND version = $2", flow, (long)version).ExecuteScalarAsync(ct) is string status
            ? new Violation("/version", "flow.lifecycle", $"{flow} v{version} is {status}; only a {expected} version can take this step (draft → published → retired).")
            : new Violation("/flow", "flow.unknown", $"No flow standard {flow} v{version}.");

    public async Task<IReadOnlyList<StandardVersion>> StandardsAsync(TaktStore store, string? flow, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Flow, long Version, string Status, string Title, string Owner, string Category, string? Trigger, long Created, long? Published, long? Retired, string Document)>(new CommandDefinition(
            "SELECT flow, version, status, title, owner_role, category, trigger_event, created_at_us, published_at_us, retired_at_us, document FROM orch_standard WHERE (@flow = '' OR flow = @flow) ORDER BY flow, version",
            new { flow = flow ?? "" }, cancellationToken: ct));
        return [.. rows.Select(r => new StandardVersion(r.Flow, (int)r.Version, r.Status, r.Title, r.Owner, r.Category, r.Trigger, Instants.FromUnixMicroseconds(r.Created),
            r.Published is { } p ? Instants.FromUnixMicroseconds(p) : null, r.Retired is { } x ? Instants.FromUnixMicroseconds(x) : null, r.Document))];
    }

    // ---------------------------------------------------------------- variants

    private static async Task<Outcome<(FlowDefinition Standard, VariantSettings Variant)>> CheckVariantAsync(StoreTransaction tx, string document, CancellationToken ct)
    {
        var read = VariantDocument.Read(document);
        if (read.IsRejected)
            return Outcome<(FlowDefinition, VariantSettings)>.FromViolations(read.Violations);
        var variant = read.Value;
        var row = await tx.Command("SELECT status, definition FROM orch_standard WHERE flow = $1 AND version = $2", variant.Flow, (long)variant.Version).ExecuteReaderAsync(ct);
        string? status = null, json = null;
        await using (row)
        {
            if (await row.ReadAsync(ct))
                (status, json) = (row.GetString(0), row.GetString(1));
        }

        if (status is null)
            return new Violation("/flow", "variant.standard-unknown", $"No flow standard {variant.Flow} v{variant.Version}.");
        if (status != "published")
            return new Violation("/version", "variant.standard-not-published", $"{variant.Flow} v{variant.Version} is {status}; variants apply to a published version.");
        var standard = JsonSerializer.Deserialize<FlowDefinition>(json!, FlowDefinition.Json)!;
        var errors = VariantDocument.Check(standard, variant);
        return errors.Count > 0 ? Outcome<(FlowDefinition, VariantSettings)>.FromViolations(errors) : (standard, variant);
    }

    public async Task<Outcome<IReadOnlyList<VariantDifference>>> DiffVariantAsync(TaktStore store, string document, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var checkedVariant = await CheckVariantAsync(tx, document, ct);
        return checkedVariant.IsRejected
            ? Outcome<IReadOnlyList<VariantDifference>>.FromViolations(checkedVariant.Violations)
            : Outcome<IReadOnlyList<VariantDifference>>.FromValue(VariantDocument.Diff(checkedVariant.Value.Standard, checkedVariant.Value.Variant));
    }

    public async Task<Outcome<VariantView>> ProposeVariantAsync(TaktStore store, string document, string proposer, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(proposer))
            return new Violation("/proposer", "variant.proposer-required", "Name who proposes the variant.");
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var checkedVariant = await CheckVariantAsync(tx, document, ct);
        if (checkedVariant.IsRejected)
            return Outcome<VariantView>.FromViolations(checkedVariant.Violations);
        var (standard, variant) = checkedVariant.Value;
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString();
        // The process owner approves the variant in a flow of its own: a human task with SLA, SoD and history.
        var approval = await engine.StartAsync(tx, new StartFlow(VariantApprovalFlow, variant.Plant, proposer,
            new JsonObject { ["variant"] = id, ["flow"] = $"{standard.Flow} v{standard.Version}", ["ownerRole"] = standard.Owner }), null, null, ct);
        if (approval.IsRejected)
            return Outcome<VariantView>.FromViolations(approval.Violations);
        await tx.ExecuteAsync(
            "INSERT INTO orch_variant (id, flow, version, plant, status, settings, document, proposed_by, approval_instance, created_at_us) VALUES ($1, $2, $3, $4, 'proposed', $5, $6, $7, $8, $9)", ct,
            id, variant.Flow, (long)variant.Version, variant.Plant, JsonSerializer.Serialize(variant, FlowDefinition.Json), document, proposer, approval.Value.Id, now.ToUnixMicroseconds());
        tx.OnCommitted(engine.Wake);
        await tx.CommitAsync(ct, recordCommit: false);
        return (await VariantsAsync(store, variant.Plant, ct)).First(v => v.Id == id);
    }

    public async Task<IReadOnlyList<VariantView>> VariantsAsync(TaktStore store, string? plant, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<(string Id, string Flow, long Version, string Plant, string Status, string Settings, string ProposedBy, string? Approval, long Created, long? Decided)>(new CommandDefinition(
            "SELECT id, flow, version, plant, status, settings, proposed_by, approval_instance, created_at_us, decided_at_us FROM orch_variant WHERE (@plant = '' OR plant = @plant) ORDER BY plant, flow, created_at_us",
            new { plant = plant ?? "" }, cancellationToken: ct))).ToList();
        var standards = new Dictionary<(string, long), FlowDefinition>();
        var views = new List<VariantView>();
        foreach (var r in rows)
        {
            if (!standards.TryGetValue((r.Flow, r.Version), out var standard))
            {
                var json = await connection.ExecuteScalarAsync<string>(new CommandDefinition("SELECT definition FROM orch_standard WHERE flow = @flow AND version = @version", new { flow = r.Flow, version = r.Version }, cancellationToken: ct));
                standards[(r.Flow, r.Version)] = standard = JsonSerializer.Deserialize<FlowDefinition>(json!, FlowDefinition.Json)!;
            }

            var settings = JsonSerializer.Deserialize<VariantSettings>(r.Settings, FlowDefinition.Json)!;
            views.Add(new VariantView(r.Id, r.Flow, (int)r.Version, r.Plant, r.Status, r.ProposedBy, r.Approval, VariantDocument.Diff(standard, settings),
                Instants.FromUnixMicroseconds(r.Created), r.Decided is { } d ? Instants.FromUnixMicroseconds(d) : null));
        }

        return views;
    }

    // ---------------------------------------------------------------- instances

    public Task<Outcome<InstanceView>> StartAsync(TaktStore store, StartFlow request, CancellationToken ct) =>
        starts.StartAsync(store, request, ct);

    public async Task<InstanceView?> InstanceAsync(TaktStore store, string id, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string Id, string Flow, long Version, string? Variant, string Plant, string Status, string? Outcome, string Requester, string Variables, long Started, long? Completed)>(new CommandDefinition(
            "SELECT id, flow, version, variant_id, plant, status, outcome, requester, variables, started_at_us, completed_at_us FROM orch_instance WHERE id = @id", new { id }, cancellationToken: ct));
        if (row.Id is null)
            return null;
        var waiting = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT step || ':' || CASE kind WHEN 'start' THEN 'step' ELSE kind END FROM orch_work WHERE instance_id = @id UNION ALL SELECT step || ':event' FROM orch_wait WHERE instance_id = @id UNION ALL SELECT step || ':task:' || role FROM orch_task WHERE instance_id = @id AND status = 'open'",
            new { id }, cancellationToken: ct))).Order(StringComparer.Ordinal).ToList();
        var history = (await connection.QueryAsync<(long Seq, string Step, string Event, string? Outcome, string Node, long At, string? Detail)>(new CommandDefinition(
            "SELECT seq, step, event, outcome, node, at_us, detail FROM orch_step_log WHERE instance_id = @id ORDER BY seq", new { id }, cancellationToken: ct)))
            .Select(h => new InstanceStep(h.Seq, h.Step, h.Event, h.Outcome, h.Node, Instants.FromUnixMicroseconds(h.At), h.Detail)).ToList();
        return new InstanceView(row.Id, row.Flow, (int)row.Version, row.Variant, row.Plant, row.Status, row.Outcome, row.Requester, JsonNode.Parse(row.Variables)!.AsObject(),
            Instants.FromUnixMicroseconds(row.Started), row.Completed is { } c ? Instants.FromUnixMicroseconds(c) : null, waiting, history);
    }

    public async Task<Outcome<InstanceView>> MigrateAsync(TaktStore store, string id, int toVersion, string actor, CancellationToken ct)
    {
        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            await using var tx = await session.BeginAsync(ct);
            var instances = await FlowEngine.InstancesAsync(tx, [id], ct);
            if (!instances.TryGetValue(id, out var instance))
                return new Violation("/id", "flow-instance.unknown", $"No flow instance '{id}'.");
            if (instance.Status != "running")
                return new Violation("/id", "migration.instance-not-running", $"Instance {id} is {instance.Status}; only running instances migrate.");
            if (instance.Version == toVersion)
                return new Violation("/toVersion", "migration.same-version", $"Instance {id} already runs v{toVersion}.");
            var status = await tx.Command("SELECT status FROM orch_standard WHERE flow = $1 AND version = $2", instance.Flow, (long)toVersion).ExecuteScalarAsync(ct) as string;
            if (status != "published")
                return new Violation("/toVersion", "migration.version-not-published", $"{instance.Flow} v{toVersion} is {status ?? "unknown"}; instances migrate to a published version only.");
            var variant = await tx.Command("SELECT id FROM orch_variant WHERE flow = $1 AND version = $2 AND plant = $3 AND status = 'active'", instance.Flow, (long)toVersion, instance.Plant).ExecuteScalarAsync(ct) as string;
            var from = await engine.Catalog.GetAsync(tx, instance.Flow, instance.Version, instance.VariantId, ct);
            var target = await engine.Catalog.GetAsync(tx, instance.Flow, toVersion, variant, ct);
            var positions = new List<string>();
            await using (var reader = await tx.Command(
                "SELECT step FROM orch_work WHERE instance_id = $1 UNION SELECT step FROM orch_wait WHERE instance_id = $1 UNION SELECT step FROM orch_task WHERE instance_id = $1 AND status = 'open'", id).ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    positions.Add(reader.GetString(0));
            }

            foreach (var step in positions)
            {
                if (target.Definition.Step(step) is not { } there || there.Type != from.Step(step).Type)
                    return new Violation("/toVersion", "migration.step-missing", $"Instance {id} waits in step '{step}' ({from.Step(step).Type}), which v{toVersion} does not have as such; it cannot migrate.");
            }

            var inputs = FlowEngine.CheckInputs(target.Definition, instance.Variables);
            if (inputs.Count > 0)
                return Outcome<InstanceView>.FromViolations(inputs);
            await tx.ExecuteAsync("UPDATE orch_instance SET version = $1, variant_id = $2 WHERE id = $3 AND status = 'running'", ct, (long)toVersion, variant, id);
            engine.Log(tx, id, "", "migrated", $"v{instance.Version}→v{toVersion}", $"by {actor}" + (variant is null ? "" : $", variant {variant}"));
            engine.Trace(tx, instance with { Version = toVersion }, "instance-migrated", null, new JsonObject { ["from"] = instance.Version, ["by"] = actor });
            await tx.CommitAsync(ct, recordCommit: false);
        }

        return (await InstanceAsync(store, id, ct))!;
    }

    public Task<int> RunDueAsync(StoreSession session, int max, CancellationToken ct) => engine.RunDueAsync(session, max, ct);

    // ---------------------------------------------------------------- tasks

    private const string TaskColumns = "t.id, t.instance_id, i.flow, t.step, t.kind, t.plant, t.cost_center, t.role, t.level, t.status, t.assignee, t.title, t.explanation, t.created_at_us, t.due_at_us, t.decided_at_us, t.decided_by, t.comment, t.reminders, t.escalations";

    private static TaskView ReadTask(System.Data.Common.DbDataReader r)
    {
        static string? Text(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
        static DateTimeOffset? Instant(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : Instants.FromUnixMicroseconds(r.GetInt64(i));
        return new TaskView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Text(r, 6), r.GetString(7), r.GetInt32(8), r.GetString(9),
            Text(r, 10), r.GetString(11), Text(r, 12), Instants.FromUnixMicroseconds(r.GetInt64(13)), Instant(r, 14), Instant(r, 15), Text(r, 16), Text(r, 17), r.GetInt32(18), r.GetInt32(19));
    }

    private async Task<List<TaskView>> TasksAsync(TaktStore store, string where, object?[] args, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var connection = session.Connection;
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TaskColumns} FROM orch_task t JOIN orch_instance i ON i.id = t.instance_id WHERE {where} ORDER BY t.created_at_us, t.id";
        for (var i = 0; i < args.Length; i++)
        {
            var p = command.CreateParameter();
            if (store.Engine == StoreEngine.Sqlite)
                p.ParameterName = "$" + (i + 1).ToString(CultureInfo.InvariantCulture);
            p.Value = args[i] ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        var tasks = new List<TaskView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tasks.Add(ReadTask(reader));
        return tasks;
    }

    public async Task<IReadOnlyList<TaskView>> InboxAsync(TaktStore store, string user, string? plant, CancellationToken ct) =>
        await TasksAsync(store, """
            t.status = 'open' AND ($2 = '' OR t.plant = $2)
              AND (t.assignee = $1 OR (t.assignee IS NULL AND EXISTS (SELECT 1 FROM orch_role_assignment r
                   WHERE r.user_id = $1 AND r.role = t.role AND r.plant IN (t.plant, '*') AND r.cost_center IN (COALESCE(t.cost_center, '*'), '*'))))
            """, [user, plant ?? ""], ct);

    public async Task<TaskView?> TaskAsync(TaktStore store, string id, CancellationToken ct) =>
        (await TasksAsync(store, "t.id = $1", [id], ct)).FirstOrDefault();

    public async Task<Outcome<TaskView>> ActAsync(TaktStore store, string taskId, TaskAction action, CancellationToken ct)
    {
        var acted = await sessions.RunAsync(store, async session =>
        {
            await using var tx = await session.BeginAsync(ct);
            var outcome = await engine.ActAsync(tx, taskId, action, ct);
            if (outcome.IsRejected)
                return outcome;
            tx.OnCommitted(engine.Wake);
            await tx.CommitAsync(ct, recordCommit: false);
            return outcome;
        }, ct);
        return acted.IsRejected ? Outcome<TaskView>.FromViolations(acted.Violations) : (await TaskAsync(store, taskId, ct))!;
    }

    public async Task<Outcome<RoleAssignment>> AssignRoleAsync(TaktStore store, RoleAssignment assignment, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(assignment.User))
            errors.Add(new Violation("/user", "role.user-required", "Name the person."));
        if (string.IsNullOrWhiteSpace(assignment.Role))
            errors.Add(new Violation("/role", "role.role-required", "Name the role."));
        if (string.IsNullOrWhiteSpace(assignment.Plant))
            errors.Add(new Violation("/plant", "role.plant-required", "Name the plant (or * for all)."));
        if (errors.Count > 0)
            return errors.ToArray();
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        await tx.ExecuteAsync("INSERT INTO orch_role_assignment (user_id, role, plant, cost_center) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, role, plant, cost_center) DO NOTHING", ct,
            assignment.User, assignment.Role, assignment.Plant, string.IsNullOrWhiteSpace(assignment.CostCenter) ? "*" : assignment.CostCenter);
        await tx.CommitAsync(ct, recordCommit: false);
        return assignment;
    }

    public async Task AddSodConflictAsync(TaktStore store, string roleA, string roleB, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        await tx.ExecuteAsync("INSERT INTO orch_sod_conflict (role_a, role_b) VALUES ($1, $2) ON CONFLICT (role_a, role_b) DO NOTHING", ct, roleA, roleB);
        await tx.CommitAsync(ct, recordCommit: false);
    }

    public async Task<Outcome<BusinessCalendar>> SetCalendarAsync(TaktStore store, string plant, BusinessCalendar calendar, CancellationToken ct)
    {
        var errors = calendar.Check();
        if (errors.Count > 0)
            return Outcome<BusinessCalendar>.FromViolations(errors);
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        await tx.ExecuteAsync("INSERT INTO orch_calendar (plant, definition) VALUES ($1, $2) ON CONFLICT (plant) DO UPDATE SET definition = excluded.definition", ct,
            plant, JsonSerializer.Serialize(calendar, FlowDefinition.Json));
        await tx.CommitAsync(ct, recordCommit: false);
        return calendar;
    }

    public async Task<BusinessCalendar> CalendarAsync(TaktStore store, string plant, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        return await FlowEngine.CalendarAsync(tx, plant, ct);
    }

    public async Task<BusinessCalendar?> CalendarAsync(StoreTransaction transaction, string plant, CancellationToken ct) =>
        await transaction.Command("SELECT definition FROM orch_calendar WHERE plant = $1", plant).ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<BusinessCalendar>(json, FlowDefinition.Json)
            : null;

    // ---------------------------------------------------------------- delegation of authority

    public async Task<Outcome<DoaVersion>> PublishDoaAsync(TaktStore store, string document, CancellationToken ct)
    {
        var read = DoaMatrix.Read(document);
        if (read.IsRejected)
            return Outcome<DoaVersion>.FromViolations(read.Violations);
        var matrix = read.Value;
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var latest = await tx.Command("SELECT MAX(version) FROM orch_doa WHERE name = $1", matrix.Matrix).ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt32(max, CultureInfo.InvariantCulture) : 0;
        if (matrix.Version != latest + 1)
            return new Violation("/version", "doa.version-sequence", $"The next version of matrix {matrix.Matrix} is {latest + 1}, not {matrix.Version}; published versions never change.");
        await tx.ExecuteAsync("UPDATE orch_doa SET status = 'retired' WHERE name = $1 AND status = 'published'", ct, matrix.Matrix);
        await tx.ExecuteAsync("INSERT INTO orch_doa (name, version, status, document, definition, created_at_us) VALUES ($1, $2, 'published', $3, $4, $5)", ct,
            matrix.Matrix, (long)matrix.Version, document, JsonSerializer.Serialize(matrix, FlowDefinition.Json), clock.GetUtcNow().ToUnixMicroseconds());
        await tx.CommitAsync(ct, recordCommit: false);
        return new DoaVersion(matrix.Matrix, matrix.Version, "published", document);
    }

    public async Task<Outcome<DoaRouting>> RouteAsync(TaktStore store, string matrix, DoaRequest request, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var found = await FlowEngine.DoaAsync(tx, matrix, ct);
        return found is null ? new Violation("/matrix", "doa.unknown", $"No published delegation-of-authority matrix '{matrix}'.") : found.Route(request);
    }

    public async Task<Outcome<InstanceView>> StartAsync(StoreTransaction transaction, StartFlow request, CancellationToken ct)
    {
        var started = await engine.StartAsync(transaction, request, null, null, ct);
        if (!started.IsRejected)
            transaction.OnCommitted(engine.Wake);
        return started;
    }

    public async Task<Outcome<DoaRouting>> RouteAsync(StoreTransaction transaction, string matrix, DoaRequest request, CancellationToken ct)
    {
        var found = await FlowEngine.DoaAsync(transaction, matrix, ct);
        return found is null ? new Violation("/matrix", "doa.unknown", $"No published delegation-of-authority matrix '{matrix}'.") : found.Route(request);
    }

    public async Task<PlantSettings?> PlantSettingsAsync(StoreTransaction transaction, string flow, string plant, CancellationToken ct)
    {
        int version;
        string? variantId;
        await using (var reader = await transaction.Command(
            """
            SELECT s.version, v.id FROM orch_standard s
            LEFT JOIN orch_variant v ON v.flow = s.flow AND v.version = s.version AND v.plant = $2 AND v.status = 'active'
            WHERE s.flow = $1 AND s.status = 'published'
            ORDER BY s.version DESC LIMIT 1
            """, flow, plant).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            version = reader.GetInt32(0);
            variantId = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        var resolved = await engine.Catalog.GetAsync(transaction, flow, version, variantId, ct);
        return new PlantSettings(flow, version, variantId, resolved.Values);
    }

    // ---------------------------------------------------------------- conformance and KPIs

    private static readonly string[] DeviationEvents = ["escalated", "sla-lapsed", "migrated", "failed", "timed-out", "compensated", "rejected"];

    public async Task<IReadOnlyList<ConformanceRow>> ConformanceAsync(TaktStore store, string? plant, CancellationToken ct)
    {
        var replayed = await ReplayAsync(store, plant, null, null, int.MaxValue, ct);
        await using var connection = await store.OpenConnectionAsync(ct);
        var events = await connection.QueryAsync<(string Plant, string Flow, long Version, string? Variant, string Event, long Count)>(new CommandDefinition(
            "SELECT i.plant, i.flow, i.version, i.variant_id, l.event, COUNT(*) FROM orch_step_log l JOIN orch_instance i ON i.id = l.instance_id WHERE (@plant = '' OR i.plant = @plant) GROUP BY i.plant, i.flow, i.version, i.variant_id, l.event",
            new { plant = plant ?? "" }, cancellationToken: ct));
        return [.. replayed.GroupBy(r => (r.Plant, r.Flow, r.Version, r.VariantId)).OrderBy(g => g.Key.Plant, StringComparer.Ordinal).ThenBy(g => g.Key.Flow, StringComparer.Ordinal).ThenBy(g => g.Key.Version).ThenBy(g => g.Key.VariantId, StringComparer.Ordinal)
            .Select(g =>
            {
                var mine = events.Where(e => e.Plant == g.Key.Plant && e.Flow == g.Key.Flow && e.Version == g.Key.Version && e.Variant == g.Key.VariantId).ToList();
                // Fitness of the group over all its moves: ½(1 − Σmissing/Σconsumed) + ½(1 − Σremaining/Σproduced).
                var (m, c, r, p) = (g.Sum(i => i.Missing), g.Sum(i => i.Consumed), g.Sum(i => i.Remaining), g.Sum(i => i.Produced));
                var fitness = c == 0 || p == 0 ? 1.0 : Math.Round(0.5 * (1 - (double)m / c) + 0.5 * (1 - (double)r / p), 4);
                var moves = g.SelectMany(i => i.Deviations).GroupBy(d => $"{d.From} → {d.To}", StringComparer.Ordinal).OrderBy(d => d.Key, StringComparer.Ordinal).ToDictionary(d => d.Key, d => (long)d.Count(), StringComparer.Ordinal);
                return new ConformanceRow(g.Key.Plant, g.Key.Flow, g.Key.Version, g.Key.VariantId, g.Count(),
                    g.Count(i => i.Status == "completed"), g.Count(i => i.Status == "running"), g.Count(i => i.Status == "failed"),
                    g.Sum(i => i.VariantMoves),
                    DeviationEvents.ToDictionary(d => d, d => mine.Where(e => e.Event == d).Sum(e => e.Count), StringComparer.Ordinal).Where(p => p.Value > 0).ToDictionary(StringComparer.Ordinal),
                    fitness, g.Count(i => i.Missing == 0 && i.Remaining == 0), moves);
            })];
    }

    public async Task<InstanceConformance?> InstanceConformanceAsync(TaktStore store, string id, CancellationToken ct) =>
        (await ReplayAsync(store, null, null, id, 1, ct)).FirstOrDefault();

    public async Task<IReadOnlyList<InstanceConformance>> InstanceConformancesAsync(TaktStore store, string? plant, string? flow, int limit, CancellationToken ct) =>
        await ReplayAsync(store, plant, flow, null, limit, ct);

    /// <summary>Replays the step logs of the instances asked for against the graphs of their standard versions (and variants).</summary>
    private async Task<List<InstanceConformance>> ReplayAsync(TaktStore store, string? plant, string? flow, string? id, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var filter = new { plant = plant ?? "", flow = flow ?? "", id = id ?? "", limit = (long)limit };
        const string Where = "(@plant = '' OR plant = @plant) AND (@flow = '' OR flow = @flow) AND (@id = '' OR id = @id)";
        var instances = (await connection.QueryAsync<(string Id, string Plant, string Flow, long Version, string? Variant, string Status)>(new CommandDefinition(
            $"SELECT id, plant, flow, version, variant_id, status FROM orch_instance WHERE {Where} ORDER BY started_at_us DESC, id DESC LIMIT @limit", filter, cancellationToken: ct))).ToList();
        if (instances.Count == 0)
            return [];
        var logs = (await connection.QueryAsync<(string Instance, string Step, string Event, string? Outcome, string? Detail)>(new CommandDefinition(
                $"SELECT instance_id, step, event, outcome, detail FROM orch_step_log WHERE instance_id IN (SELECT id FROM orch_instance WHERE {Where} ORDER BY started_at_us DESC, id DESC LIMIT @limit) ORDER BY instance_id, seq", filter, cancellationToken: ct)))
            .GroupBy(l => l.Instance, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<LoggedStep>)[.. g.Select(l => new LoggedStep(l.Step, l.Event, l.Outcome, l.Detail))], StringComparer.Ordinal);
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var replayed = new List<InstanceConformance>(instances.Count);
        foreach (var i in instances)
        {
            var header = new InstanceHeader(i.Id, i.Plant, i.Flow, (int)i.Version, i.Variant, i.Status);
            replayed.Add(await PathReplay.ReplayAsync(header, logs.GetValueOrDefault(i.Id) ?? [], (version, variant) => engine.Catalog.GetAsync(tx, i.Flow, version, variant, ct)));
        }

        return replayed;
    }

    public async Task<IReadOnlyList<TurnaroundRow>> ApprovalTurnaroundAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        // DESIGN §5: task created → decided, by the role that decided and the plant.
        var rows = await connection.QueryAsync<(string Plant, string Role, long Created, long Decided)>(new CommandDefinition(
            "SELECT plant, decided_role, created_at_us, decided_at_us FROM orch_task WHERE kind = 'approval' AND status IN ('approved', 'rejected') AND (@plant = '' OR plant = @plant) AND decided_at_us >= @from AND decided_at_us < @to",
            new { plant = plant ?? "", from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue }, cancellationToken: ct));
        return [.. rows.GroupBy(r => (r.Plant, r.Role)).OrderBy(g => g.Key.Plant, StringComparer.Ordinal).ThenBy(g => g.Key.Role, StringComparer.Ordinal).Select(g =>
        {
            var hours = g.Select(r => (r.Decided - r.Created) / 3_600_000_000.0).Order().ToArray();
            return new TurnaroundRow(g.Key.Plant, g.Key.Role, hours.Length, Percentile(hours, 0.5), Percentile(hours, 0.9));
        })];
    }

    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);

    public async Task<IReadOnlyList<ResolutionRow>> ResolutionRateAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string? Plant, string? Resolution, long Count)>(new CommandDefinition(
            "SELECT plant, resolution, COUNT(*) FROM orch_exception WHERE (@plant = '' OR plant = @plant) AND occurred_at_us >= @from AND occurred_at_us < @to GROUP BY plant, resolution",
            new { plant = plant ?? "", from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue }, cancellationToken: ct));
        return [.. rows.GroupBy(r => r.Plant ?? "").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var all = g.Sum(r => r.Count);
            var standard = g.Where(r => r.Resolution == "standard-flow").Sum(r => r.Count);
            var other = g.Where(r => r.Resolution is not null and not "standard-flow").Sum(r => r.Count);
            return new ResolutionRow(g.Key, all, standard, other, all - standard - other, all == 0 ? 0 : Math.Round((double)standard / all, 4));
        })];
    }
}
