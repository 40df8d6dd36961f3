using System.Collections.Frozen;

namespace Takt.Integration.Access;

/// <summary>
/// What a registered client may do. Each API endpoint needs exactly one scope (see the access table in
/// <c>Takt.Server.ApiAccess</c> and README "Clients and access"); a client holds any set of them.
/// </summary>
public static class Scopes
{
    /// <summary><c>POST /api/v1/events</c>: shop-floor events (issues, confirmations, yield), for the client's plants.</summary>
    public const string EventsProductionWrite = "events:production:write";

    /// <summary>Production orders: list and read, for the client's plants.</summary>
    public const string ProductionRead = "production:read";

    /// <summary>Stock balances, for the client's plants.</summary>
    public const string InventoryRead = "inventory:read";

    /// <summary>Stock movements, settings, locations, reservations, allocations, counts and WMS reconciliation (company-wide).</summary>
    public const string InventoryWrite = "inventory:write";

    /// <summary>Account balances (company-wide: clients without a plant restriction only).</summary>
    public const string LedgerRead = "ledger:read";

    /// <summary>Manual journal entries, reversals, accruals, determination rules (company-wide).</summary>
    public const string LedgerWrite = "ledger:write";

    /// <summary>Period states and the close: soft-close, close, reopen, run accrual reversals (company-wide).</summary>
    public const string LedgerClose = "ledger:close";

    /// <summary>KPIs and process-log projections, for the client's plants.</summary>
    public const string KpisRead = "kpis:read";

    /// <summary>Outbox dead letters: list and replay (company-wide).</summary>
    public const string DeadLettersManage = "deadletters:manage";

    /// <summary>Webhook subscriptions: create, list, read, delete, rotate secrets, replay, attempts (company-wide).</summary>
    public const string WebhooksManage = "webhooks:manage";

    /// <summary>Registered clients: create, list, read, rotate keys, revoke (company-wide).</summary>
    public const string ClientsManage = "clients:manage";

    /// <summary>The audit log of authorization decisions (company-wide).</summary>
    public const string AuditRead = "audit:read";

    /// <summary>Flow standards, plant variants, delegation-of-authority matrices, roles, calendars, instance migration (company-wide).</summary>
    public const string FlowsManage = "flows:manage";

    /// <summary>Start flow instances (company-wide) and read them (for the client's plants).</summary>
    public const string FlowsRun = "flows:run";

    /// <summary>Human tasks: the inbox and a task for the client's plants; claim, approve, reject, delegate, reassign (company-wide).</summary>
    public const string TasksWork = "tasks:work";

    /// <summary>Requisitions, purchase orders, receipts: read, for the client's plants.</summary>
    public const string ProcurementRead = "procurement:read";

    /// <summary>Requisitions, purchase orders, goods receipts and returns, suppliers and budgets: create and change (all plants).</summary>
    public const string ProcurementWrite = "procurement:write";

    /// <summary>Supplier messages (order acknowledgements, shipping notices): a supplier's client for its own orders.</summary>
    public const string ProcurementSupplier = "procurement:supplier";

    /// <summary>Master data: import, export, save items, work centers, routings and BOMs (company-wide).</summary>
    public const string MasterDataManage = "masterdata:manage";

    /// <summary>Production orders through their life (create, release, issue, confirm, hold, yield, scrap, complete, settle) and cost versions (company-wide).</summary>
    public const string ProductionWrite = "production:write";

    /// <summary><c>POST /api/v1/payables/invoices</c>: supplier invoices and credit notes (UBL or JSON), for the client's plants.</summary>
    public const string InvoicesWrite = "invoices:write";

    /// <summary>Received supplier invoices: list and read, for the client's plants.</summary>
    public const string PayablesRead = "payables:read";

    /// <summary>Re-match supplier invoices and set matching tolerances (all plants).</summary>
    public const string PayablesWrite = "payables:write";

    /// <summary>Queue management: pause, drain and resume channels, read their status and history (company-wide).</summary>
    public const string OpsManage = "ops:manage";

    /// <summary>Suggestions and model versions of the assist module: read, for the client's plants.</summary>
    public const string AssistRead = "assist:read";

    /// <summary>Ask for suggestions (classify, scan, forecast, score, rank) and record a person's decision on one (all plants).</summary>
    public const string AssistUse = "assist:use";

    /// <summary>Train model versions and approve them (a person, for a scope) (company-wide).</summary>
    public const string AssistManage = "assist:manage";

    /// <summary>Every scope with what it allows, in a stable order.</summary>
    public static IReadOnlyList<(string Scope, string Description)> Described { get; } =
    [
        (EventsProductionWrite, "Send shop-floor events for the client's plants."),
        (ProductionRead, "Read production orders of the client's plants."),
        (InventoryRead, "Read stock of the client's plants."),
        (InventoryWrite, "Post stock movements, reserve and allocate stock, count and reconcile with the WMS (all plants)."),
        (LedgerRead, "Read account balances (all plants)."),
        (LedgerWrite, "Post manual journal entries and reversals, propose and post accruals, add determination rules, set up accounts and exchange rates (all plants)."),
        (LedgerClose, "Open, soft-close, close and reopen periods (a second person approves a reopening); explain GR/IR open items; run accrual reversals (all plants)."),
        (KpisRead, "Read KPIs and process-log projections of the client's plants."),
        (DeadLettersManage, "List and replay outbox dead letters (all plants)."),
        (WebhooksManage, "Manage webhook subscriptions: create, delete, rotate secrets, replay (all plants)."),
        (ClientsManage, "Register clients, rotate and revoke their keys (all plants)."),
        (AuditRead, "Read the audit log of authorization decisions (all plants)."),
        (FlowsManage, "Manage flow standards, plant variants, approval matrices, roles and calendars; migrate instances (all plants)."),
        (FlowsRun, "Start flow instances (all plants) and read those of the client's plants."),
        (MasterDataManage, "Import, export and change master data (all plants)."),
        (ProductionWrite, "Run production orders through their life and manage cost versions (all plants)."),
        (TasksWork, "Read the task inbox of the client's plants; claim, approve, reject, delegate and reassign tasks (all plants)."),
        (ProcurementRead, "Read requisitions and purchase orders of the client's plants."),
        (ProcurementWrite, "Create requisitions, purchase orders, goods receipts and returns; manage suppliers and budgets (all plants)."),
        (ProcurementSupplier, "Send order acknowledgements and shipping notices: a supplier's client for its own orders, an unrestricted client for any."),
        (InvoicesWrite, "Send supplier invoices and credit notes (UBL 2.1 / Peppol BIS Billing 3.0 or JSON) for the client's plants."),
        (PayablesRead, "Read received supplier invoices of the client's plants."),
        (PayablesWrite, "Re-match supplier invoices and set matching tolerances (all plants)."),
        (OpsManage, "Pause, drain and resume inbound channels and webhook subscriptions; read their queues and history (all plants)."),
        (AssistRead, "Read the assist module's suggestions of the client's plants and its model versions."),
        (AssistUse, "Ask for suggestions (invoice exceptions, anomalies, forecasts, risk, priorities) and record a person's decision on one (all plants)."),
        (AssistManage, "Train assist model versions and approve them for a scope (all plants)."),
    ];

    public static FrozenSet<string> All { get; } = Described.Select(d => d.Scope).ToFrozenSet(StringComparer.Ordinal);
}
