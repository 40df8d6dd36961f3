using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Takt.Integration.Gateway;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>
/// Whatever sequence of shop-floor events arrives — good, bad, repeated, in any unit — the ledger stays
/// balanced entry by entry and in total, stock value equals the inventory accounts, and the orders' WIP equals
/// the WIP account. Each generated sequence goes through the real validation and group-commit pipeline.
/// </summary>
public abstract class LedgerInvariantContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    public sealed record Step(int Kind, int Order, int Quantity, int Variant, bool Repeat);

    private static Arbitrary<Step[]> Scripts() =>
        (from kind in Gen.Choose(0, 2)
         from order in Gen.Choose(0, 23)
         from quantity in Gen.Choose(-2, 40)
         from variant in Gen.Choose(0, 3)
         from repeat in Gen.Elements(false, false, false, true)
         select new Step(kind, order, quantity, variant, repeat))
            .ArrayOf()
            .Select(a => a.Take(30).ToArray())
            .ToArbitrary();

    [Property(MaxTest = 25)]
    public Property any_sequence_of_events_leaves_the_ledger_balanced_and_reconciled() =>
        Prop.ForAll(Scripts(), steps => RunAsync(steps).GetAwaiter().GetResult());

    private async Task<bool> RunAsync(Step[] steps)
    {
        var host = fixture.Host;
        var orders = await host.OrdersAsync();
        var validation = host.Service<EventValidation>();
        var pipeline = host.Service<IngestPipeline>();
        var batch = new List<ValidatedEvent>();
        foreach (var step in steps)
        {
            var cloudEvent = Build(step, orders[step.Order % orders.Count]);
            using var document = JsonDocument.Parse(cloudEvent.ToJsonString());
            var validated = validation.FromStructured(document.RootElement);
            if (validated.IsRejected)
                continue;
            batch.Add(validated.Value);
            if (step.Repeat)
                batch.Add(validated.Value);
        }

        var results = batch.Count > 0 ? await pipeline.SubmitAsync(batch, CancellationToken.None) : [];
        // Not vacuous: a positive issue of a real component in its own unit is always accepted.
        var mustPost = steps.Any(s => s.Kind == 0 && s.Variant != 0 && s.Quantity > 0);
        return (!mustPost || results.Any(r => r.Accepted && !r.Replayed)) && await BalancedAsync(host);
    }

    private static JsonObject Build(Step step, ProductionOrderView order)
    {
        var plant = order.Plant;
        return step.Kind switch
        {
            0 => step.Variant switch
            {
                // Wrong unit (a piece item in kilograms) must be rejected, not posted.
                0 => Events.MaterialIssued(plant, order.Number, order.Components[0].Item, step.Quantity, "KGM"),
                _ => Events.MaterialIssued(plant, order.Number, order.Components[step.Variant % order.Components.Count].Item, step.Quantity,
                    order.Components[step.Variant % order.Components.Count].Item switch { "RM-3004" => "LTR", "RM-3005" => "GRM", _ => "H87" }),
            },
            1 => Events.OperationConfirmed(plant, order.Number, order.Operations[step.Variant % 2].Operation, order.Operations[step.Variant % 2].WorkCenter,
                Math.Max(0, step.Quantity), "H87", scrap: step.Variant == 3 ? 1 : null,
                machine: (Math.Abs(step.Quantity) * 7.5m, "MIN"), labour: (step.Quantity / 10m, "HUR")),
            _ => Events.YieldReported(plant, order.Number, step.Variant == 0 ? "RM-3001" : order.Item, step.Quantity, "H87"),
        };
    }

    private static async Task<bool> BalancedAsync(TaktHost host)
    {
        var store = host.Store;
        var unbalancedEntries = await Tables.CountAsync(store,
            "SELECT COUNT(*) FROM (SELECT entry_id FROM ledger_journal_line GROUP BY entry_id HAVING SUM(debit_e4) <> SUM(credit_e4)) u");
        var totalDifference = await Tables.CountAsync(store, "SELECT CAST(COALESCE(SUM(debit_e4 - credit_e4), 0) AS bigint) FROM ledger_journal_line");
        var inventoryAccounts = await Tables.CountAsync(store,
            "SELECT CAST(COALESCE(SUM(debit_e4 - credit_e4), 0) AS bigint) FROM ledger_journal_line WHERE account IN ('140000', '141000', '142000')");
        var stockValue = await Tables.CountAsync(store, "SELECT CAST(COALESCE(SUM(value_e4), 0) AS bigint) FROM inventory_stock");
        var wipAccount = await Tables.CountAsync(store, "SELECT CAST(COALESCE(SUM(debit_e4 - credit_e4), 0) AS bigint) FROM ledger_journal_line WHERE account = '145000'");
        var orderWip = await Tables.CountAsync(store, "SELECT CAST(COALESCE(SUM(wip_e4), 0) AS bigint) FROM production_order");
        // The totals kept at posting agree with the lines, per company, account, period and order.
        var totalsOffLines = await Tables.CountAsync(store, """
            SELECT COUNT(*) FROM (
                SELECT e.company, l.account, e.posting_date / 100 AS period, COALESCE(l.order_number, '') AS order_number, SUM(l.debit_e4) AS debit_e4, SUM(l.credit_e4) AS credit_e4
                FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id
                GROUP BY e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, '')) s
            FULL OUTER JOIN ledger_balance b ON b.company = s.company AND b.account = s.account AND b.period = s.period AND b.order_number = s.order_number
            WHERE s.debit_e4 IS DISTINCT FROM b.debit_e4 OR s.credit_e4 IS DISTINCT FROM b.credit_e4
            """);
        return unbalancedEntries == 0 && totalDifference == 0 && inventoryAccounts == stockValue && wipAccount == orderWip && totalsOffLines == 0;
    }
}

public sealed class LedgerInvariantsOnSqlite(SqliteHost fixture) : LedgerInvariantContract<SqliteHost>(fixture);

public sealed class LedgerInvariantsOnPostgres(PostgresHost fixture) : LedgerInvariantContract<PostgresHost>(fixture);
