using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.Ledger;

public static class LedgerModule
{
    public static SchemaModule Schema { get; } = new("ledger", typeof(LedgerModule).Assembly);

    public static IServiceCollection AddLedger(this IServiceCollection services) =>
        services.AddSingleton<ILedger, GeneralLedger>()
            .AddSingleton<IAccruals, Accruals>()
            .AddSingleton<ILedgerClose, LedgerClose>()
            .AddSingleton(new AccrualReversalOptions())
            .AddHostedService<AccrualReversalService>();

    public static RouteGroupBuilder MapLedger(this RouteGroupBuilder api)
    {
        api.MapGet("/ledger/balances", async (ILedger ledger, TaktStore store, string? order, CancellationToken ct) =>
                Results.Ok(await ledger.BalancesAsync(store, order, ct)))
            .WithName("AccountBalances")
            .WithSummary("Debits, credits and balance per account; optionally for one production order.");
        LedgerEndpoints.Map(api);
        return api;
    }
}
