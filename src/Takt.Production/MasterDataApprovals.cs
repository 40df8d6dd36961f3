using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Production;

/// <summary>
/// Governed master-data changes (standard costs, released BOMs: what costing and orders rest on) are approved through
/// the <c>masterdata-change-approval</c> flow once that standard is published: the plant's master-data steward
/// approves, never the proposer (segregation of duties). Master data holds no flows, so Production plugs this in.
/// </summary>
internal sealed class MasterDataApprovals(IServiceProvider services) : IChangeApprovals
{
    public const string Flow = "masterdata-change-approval";

    // The orchestration's engine holds this module's flow action: resolved at first use, not at construction.
    private IOrchestration Orchestration => services.GetRequiredService<IOrchestration>();

    public async Task<bool> InForceAsync(StoreTransaction transaction, string plant, CancellationToken ct) =>
        await Orchestration.PlantSettingsAsync(transaction, Flow, plant, ct) is not null;

    public async Task<Outcome<string>> StartAsync(StoreTransaction transaction, string plant, string requester, string change, string summary, CancellationToken ct)
    {
        var started = await Orchestration.StartAsync(transaction, new StartFlow(Flow, plant, requester, new JsonObject { ["change"] = change, ["summary"] = summary }), ct);
        return started.IsRejected ? Outcome<string>.FromViolations(started.Violations) : started.Value.Id;
    }

    /// <summary>Saves the standard once per database as a draft: publishing it turns the approval on.</summary>
    public static async Task EnsureStandardAsync(IServiceProvider services, CancellationToken ct)
    {
        var orchestration = services.GetRequiredService<IOrchestration>();
        var store = services.GetRequiredService<TaktStore>();
        if ((await orchestration.StandardsAsync(store, Flow, ct)).Count > 0)
            return;
        var saved = await orchestration.SaveStandardAsync(store, Standard, "takt", ct);
        if (saved.IsRejected)
            throw new InvalidOperationException($"Standard {Flow}: {string.Join("; ", saved.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}"))}");
    }

    public static string Standard
    {
        get
        {
            var assembly = typeof(MasterDataApprovals).Assembly;
            var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Shipped.masterdata-change-approval.yaml", StringComparison.Ordinal));
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }
}

/// <summary><c>masterdata.decide-change</c>: the approval flow of a governed change ended; master data applies or rejects it in the step's transaction.</summary>
internal sealed class DecideChangeAction(IServiceProvider services) : IFlowAction
{
    public string Name => "masterdata.decide-change";

    public Task RunAsync(FlowActionContext context, CancellationToken ct)
    {
        if (context.Compensating)
            return Task.CompletedTask;
        var decision = context.With.TryGetValue("decision", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        var change = context.Variables["change"]?.GetValue<string>() ?? throw new InvalidOperationException("The change approval flow has no change request.");
        return services.GetRequiredService<IMasterData>().DecideChangeAsync(context.Transaction, change, context.InstanceId, decision == "approved", ct);
    }
}
