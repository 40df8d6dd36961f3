using Takt.Integration.Access;
using Takt.Production;

namespace Takt.Server;

/// <summary>
/// Who may call each API endpoint (by endpoint name): the scope it needs, how a client's plant restriction
/// applies, and whether a POST needs an Idempotency-Key. Every /api/v1 endpoint must be listed: the server
/// refuses to start otherwise. README "Clients and access" shows this table.
/// </summary>
public static class ApiAccess
{
    public static IReadOnlyDictionary<string, EndpointAccess> Table { get; } = new Dictionary<string, EndpointAccess>(StringComparer.Ordinal)
    {
        // Integration: CloudEvents (source, id) make event intake idempotent already; no Idempotency-Key there.
        ["ReceiveEvents"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ListDeadLetters"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),
        ["ReplayDeadLetters"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["IssueAccessToken"] = EndpointAccess.Anonymous, // the client authenticates in the form (OAuth2 client credentials)
        ["JsonWebKeys"] = EndpointAccess.Anonymous, // public keys only
        ["RegisterClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListClients"] = new(Scopes.ClientsManage, PlantBinding.AllPlants),
        ["GetClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants),
        ["RotateClientKey"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RevokeClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["IssueMqttCredential"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListAudit"] = new(Scopes.AuditRead, PlantBinding.AllPlants),

        // Webhook subscriptions belong to the client that made them. A plant-restricted client subscribes for one of
        // its plants (or, without a plant, for "my plants") and manages only its own; deliveries are checked against
        // the client's plants when they are sent. Unrestricted clients manage every subscription. DELETE is
        // idempotent by itself.
        ["CreateWebhook"] = new(Scopes.WebhooksManage, PlantBinding.Owned, IdempotencyKey: true),
        ["ListWebhooks"] = new(Scopes.WebhooksManage, PlantBinding.Owned),
        ["GetWebhook"] = new(Scopes.WebhooksManage, PlantBinding.Owned),
        ["DeleteWebhook"] = new(Scopes.WebhooksManage, PlantBinding.Owned),
        ["RotateWebhookSecret"] = new(Scopes.WebhooksManage, PlantBinding.Owned, IdempotencyKey: true),
        ["ReplayWebhook"] = new(Scopes.WebhooksManage, PlantBinding.Owned, IdempotencyKey: true),
        ["ListWebhookAttempts"] = new(Scopes.WebhooksManage, PlantBinding.Owned),

        // Adapters: documents map to canonical events, each checked against the client's plants like POST /api/v1/events;
        // their ids come from the document, so a repeat is a replay without an Idempotency-Key. Schedules are per plant.
        ["ListAdapters"] = new(Scopes.EventsProductionWrite, PlantBinding.None), // describes the adapters, for whoever may post documents; no plant
        ["ReceiveB2mmlV0401ProductionPerformance"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ReceiveB2mmlV0701OperationsPerformance"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ReceiveShopFloorCsv"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["GetB2mmlV0401ProductionSchedule"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["GetB2mmlV0701OperationsSchedule"] = new(Scopes.ProductionRead, PlantBinding.Query),

        // MQTT: the integration log of rejected messages and the intake's status span every plant, like dead letters.
        ["ListIntegrationLog"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),
        ["GetMqttStatus"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),

        // Operations: channels span every plant (a paused gateway stops every plant's MES), so unrestricted clients only.
        ["ListChannels"] = new(Scopes.OpsManage, PlantBinding.AllPlants),
        ["ChannelHistory"] = new(Scopes.OpsManage, PlantBinding.AllPlants),
        ["PauseChannel"] = new(Scopes.OpsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["DrainChannel"] = new(Scopes.OpsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ResumeChannel"] = new(Scopes.OpsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListClientFreshness"] = new(Scopes.OpsManage, PlantBinding.AllPlants),
        ["SetClientFreshness"] = new(Scopes.OpsManage, PlantBinding.AllPlants),
        // Manual fallback (issue 14): a record names its order in the body, which the access layer does not read, so
        // recording is for unrestricted clients; the reconciliation report binds to the ?plant= query.
        ["RecordFallbackEntry"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["FallbackReconciliation"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["RecordFallbackGoodsReceipt"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["FallbackGoodsReceiptReconciliation"] = new(Scopes.ProcurementRead, PlantBinding.Query),
        ["RecordFallbackStockMovement"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["FallbackStockMovementReconciliation"] = new(Scopes.InventoryRead, PlantBinding.Query),
        // Plant onboarding (issue 14) creates master data and API clients with keys: unrestricted clients that manage clients.
        ["ProposePlantOnboarding"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetPlantOnboarding"] = new(Scopes.ClientsManage, PlantBinding.AllPlants),
        ["ApprovePlantOnboarding"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),

        // Production, Inventory, Ledger, Intelligence
        ["ListProductionOrders"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["GetProductionOrder"] = new(Scopes.ProductionRead, PlantBinding.Result, PlantOfResult: r => (r as ProductionOrderView)?.Plant),
        ["ListStock"] = new(Scopes.InventoryRead, PlantBinding.Query),
        // Inventory (issue 7). Writes name their plant in the body or path, which the access layer does not read: they
        // are for unrestricted clients, like starting flows. Reads bind to the ?plant= query.
        ["PostStockMovement"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListStockBins"] = new(Scopes.InventoryRead, PlantBinding.Query),
        ["ListStockMovements"] = new(Scopes.InventoryRead, PlantBinding.Query),
        ["SetInventorySettings"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["SaveStorageLocation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["ListStorageLocations"] = new(Scopes.InventoryRead, PlantBinding.AllPlants),
        ["CreateReservation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetReservation"] = new(Scopes.InventoryRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Inventory.Reservations.ReservationView)?.Plant),
        ["ListReservations"] = new(Scopes.InventoryRead, PlantBinding.Query),
        ["AllocateReservation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["CancelReservation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ChangeAllocation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["CancelAllocation"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["StockAvailability"] = new(Scopes.InventoryRead, PlantBinding.Query),
        ["CreateCycleCount"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetCycleCount"] = new(Scopes.InventoryRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Inventory.Counts.CountView)?.Plant),
        ["RecordCountResults"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["InventoryAccuracy"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ReconcileWmsSnapshot"] = new(Scopes.InventoryWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["AccountBalances"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),

        // Ledger and close (issue 10): books are company-wide, so every ledger endpoint is for unrestricted clients.
        ["ListChartOfAccounts"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ListPeriods"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ChangePeriodState"] = new(Scopes.LedgerClose, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListDeterminationRules"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["AddDeterminationRule"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["SimulateDetermination"] = new(Scopes.LedgerRead, PlantBinding.AllPlants), // reads only
        ["PostJournalEntry"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetJournalEntry"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ReverseJournalEntry"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["TrialBalance"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["AccountEntries"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ProposeAccrual"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListAccruals"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ApproveAccrual"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["PostAccrual"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RunAccrualReversals"] = new(Scopes.LedgerClose, PlantBinding.AllPlants, IdempotencyKey: true),
        ["CloseStatus"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["CostVarianceWarnings"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["VerifyAuditChain"] = new(Scopes.AuditRead, PlantBinding.AllPlants),
        ["ApprovePeriodReopen"] = new(Scopes.LedgerClose, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RejectPeriodReopen"] = new(Scopes.LedgerClose, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ExplainGrIrItem"] = new(Scopes.LedgerClose, PlantBinding.AllPlants, IdempotencyKey: true),
        ["SaveChartAccount"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListExchangeRates"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["AddExchangeRate"] = new(Scopes.LedgerWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ProductionToPostingLatency"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["PlantActivity"] = new(Scopes.KpisRead, PlantBinding.Query),
        // The process log: a restricted client reads the events of its plant (the plant is filled in when it has one).
        ["ListProcessEvents"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["GetObjectHistory"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["GetProcessMap"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ExportOcel"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ExceptionHotspots"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["KpiOverview"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["IntegrationFailures"] = new(Scopes.KpisRead, PlantBinding.AllPlants), // by client, not by plant
        ["IntegrationHealth"] = new(Scopes.KpisRead, PlantBinding.AllPlants),

        // Orchestration: standards, variants, matrices, roles and calendars are company-wide governance. Starting an
        // instance (its plant in the body) and acting on a task (the task's plant) are checked by the handler: a client
        // restricted to plant A starts and works plant A flows only. Reads bind to the plant.
        ["SaveFlowStandard"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["PublishFlowStandard"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RetireFlowStandard"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListFlowStandards"] = new(Scopes.FlowsManage, PlantBinding.AllPlants),
        ["ProposeFlowVariant"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["DiffFlowVariant"] = new(Scopes.FlowsManage, PlantBinding.AllPlants), // reads only: a repeat is harmless
        ["ListFlowVariants"] = new(Scopes.FlowsManage, PlantBinding.Query),
        ["MigrateFlowInstance"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["AssignFlowRole"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["PublishDoaMatrix"] = new(Scopes.FlowsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RouteApproval"] = new(Scopes.FlowsManage, PlantBinding.AllPlants), // reads only
        ["SetBusinessCalendar"] = new(Scopes.FlowsManage, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["StartFlow"] = new(Scopes.FlowsRun, PlantBinding.Handler, IdempotencyKey: true), // the body's plant: one of the client's
        ["GetFlowInstanceConformance"] = new(Scopes.KpisRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Orchestration.InstanceConformance)?.Plant),
        ["ListInstanceConformance"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["GetFlowInstance"] = new(Scopes.FlowsRun, PlantBinding.Result, PlantOfResult: r => (r as Takt.Orchestration.InstanceView)?.Plant),
        ["TaskInbox"] = new(Scopes.TasksWork, PlantBinding.Query),
        ["GetTask"] = new(Scopes.TasksWork, PlantBinding.Result, PlantOfResult: r => (r as Takt.Orchestration.TaskView)?.Plant),
        ["ActOnTask"] = new(Scopes.TasksWork, PlantBinding.Handler, IdempotencyKey: true), // the task's plant: one of the client's
        ["FlowConformance"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ApprovalTurnaround"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["StandardizedResolutionRate"] = new(Scopes.KpisRead, PlantBinding.Query),

        // Procurement: writes name their plant in the body (or act on a document of a plant), which the access layer does
        // not read: they are for unrestricted clients, like starting flows. Supplier messages belong to the supplier's
        // client (Owned: the handler checks that the order is the supplier's own; unrestricted clients act for any).
        ["CreateRequisition"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListRequisitions"] = new(Scopes.ProcurementRead, PlantBinding.Query),
        ["GetRequisition"] = new(Scopes.ProcurementRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Procurement.RequisitionView)?.Plant),
        ["OrderRequisitions"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["CreateDirectPurchaseOrder"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListPurchaseOrders"] = new(Scopes.ProcurementRead, PlantBinding.Query),
        ["GetPurchaseOrder"] = new(Scopes.ProcurementRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Procurement.ProcurementModule.PurchaseOrderDocument)?.Order.Plant),
        ["ChangePurchaseOrder"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["AcknowledgePurchaseOrder"] = new(Scopes.ProcurementSupplier, PlantBinding.Owned, IdempotencyKey: true),
        ["SendShippingNotice"] = new(Scopes.ProcurementSupplier, PlantBinding.Owned, IdempotencyKey: true),
        ["PostGoodsReceipt"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ReturnGoodsToSupplier"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["SaveSupplier"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["SetProcurementBudget"] = new(Scopes.ProcurementWrite, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["ProcurementKpis"] = new(Scopes.KpisRead, PlantBinding.Query),
        // Master data, production orders and costing (issue 6): master data and cost versions are company-wide; the
        // order lifecycle names its plant in the order, which the access layer does not read: unrestricted clients.
        ["ImportMasterData"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ExportMasterData"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants),
        ["GetItem"] = new(Scopes.ProductionRead, PlantBinding.AllPlants),
        ["SaveItem"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants), // PUT: idempotent by itself
        ["SaveWorkCenter"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants),
        ["SaveRouting"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants),
        ["SaveBom"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants),
        ["ListBomVersions"] = new(Scopes.ProductionRead, PlantBinding.AllPlants),
        ["ListMasterDataChanges"] = new(Scopes.MasterDataManage, PlantBinding.AllPlants),
        ["CreateProductionOrder"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ActOnProductionOrder"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListProductionVariances"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["SimulateCostVersion"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ActOnCostVersion"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetCostVersion"] = new(Scopes.ProductionRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Production.Costing.CostVersionView)?.Plant),
        // Payables: a supplier (or its service provider) is a client with invoices:write for the plants it bills; the
        // plant is a query parameter. An invoice names itself (supplier, number, content): the same document again is a
        // replay without an Idempotency-Key, like the adapters' documents.
        ["ReceiveSupplierInvoice"] = new(Scopes.InvoicesWrite, PlantBinding.Query),
        ["ListSupplierInvoices"] = new(Scopes.PayablesRead, PlantBinding.Query),
        ["GetSupplierInvoice"] = new(Scopes.PayablesRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Payables.InvoiceDetail)?.Invoice.Plant),
        // Planning (issue 11): a run may span plants (a disruption reaches the sister plant), so it is for unrestricted
        // clients; reads bind to ?plant=.
        ["RunPlanning"] = new(Scopes.ProductionWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListDisruptions"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["GetSchedule"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["ListPlannedOrders"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["PlanningKpis"] = new(Scopes.KpisRead, PlantBinding.Query),
        // Assist (issue 15): advice only. Asking for a suggestion records it (a POST with an Idempotency-Key: a repeat is
        // one suggestion); requests name their plant in the body, so they are for unrestricted clients. Suggestions are
        // read per plant; model versions are company-wide and list no plant data.
        ["ListAssistModels"] = new(Scopes.AssistRead, PlantBinding.None),
        ["ApproveAssistModel"] = new(Scopes.AssistManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["TrainInvoiceExceptionModel"] = new(Scopes.AssistManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ClassifyInvoiceException"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListSuggestions"] = new(Scopes.AssistRead, PlantBinding.Query),
        ["GetSuggestion"] = new(Scopes.AssistRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Assist.Registry.Suggestion)?.Plant),
        ["DecideSuggestion"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ScanWorkCenterStream"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ScanShopFloorEvents"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ForecastDemand"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ScoreWorkCenterRisk"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["PrioritizeOpenItems"] = new(Scopes.AssistUse, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ImpactInbox"] = new(Scopes.TasksWork, PlantBinding.Query), // the task inbox, sorted by impact

        // Payables matching (issue 9 phase 2): re-matching and tolerances are company-wide operations; reads are per plant.
        ["MatchSupplierInvoice"] = new(Scopes.PayablesWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["GetInvoiceMatch"] = new(Scopes.PayablesRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Payables.Matching.InvoiceMatchView)?.Plant),
        ["ListInvoiceExceptions"] = new(Scopes.PayablesRead, PlantBinding.Query),
        ["GetPaymentProposal"] = new(Scopes.PayablesRead, PlantBinding.Query),
        ["GetPayablesKpis"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ListInvoiceTolerances"] = new(Scopes.PayablesRead, PlantBinding.AllPlants),
        ["SetInvoiceTolerance"] = new(Scopes.PayablesWrite, PlantBinding.AllPlants),
        // Payables: acting on exceptions and paying (issue 9 phase 3). A payment run is per plant (query); a duplicate
        // decision is a company-wide AP operation like re-matching.
        ["DecideDuplicateInvoice"] = new(Scopes.PayablesWrite, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RunPayments"] = new(Scopes.PayablesWrite, PlantBinding.Query, IdempotencyKey: true),
        ["ListPaymentRuns"] = new(Scopes.PayablesRead, PlantBinding.Query),
        ["GetPaymentRun"] = new(Scopes.PayablesRead, PlantBinding.Result, PlantOfResult: r => (r as Takt.Payables.Payments.PaymentRunView)?.Plant),
    };
}
