using System.Net.Http.Headers;
using System.Text;
using Takt.Contracts;
using Takt.Integration.Adapters;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Production;
using Takt.Server;
using Takt.Store;
using Takt.Testing;

namespace Takt.Adapters.Tests;

/// <summary>
/// A server with the demo data, plus what the published COURBON messages refer to: items CRBN0001 (raw material,
/// kilograms) and SO1215 (the product), order 53107 at Plant A, and open periods for the documents' dates.
/// Documents are limited to 64 KiB so that "oversized" is cheap to reach.
/// </summary>
public abstract class AdapterHost(string engine) : HostFixture(engine)
{
    public const int MaxDocumentBytes = 64 * 1024;

    private readonly SemaphoreSlim seeding = new(1, 1);
    private bool seeded;

    protected override void Configure(ServerSettings settings) =>
        settings.Adapters = new AdapterOptions { MaxDocumentBytes = MaxDocumentBytes };

    /// <summary>Adds the COURBON master data and order and opens 2012-11 and 2025-06, once per server.</summary>
    public async Task<TaktHost> SeededAsync()
    {
        var host = Host;
        await seeding.WaitAsync();
        try
        {
            if (seeded)
                return host;
            var store = host.Store;
            await using (var session = await store.OpenSessionAsync(TimeProvider.System, CancellationToken.None))
            await using (var tx = await session.BeginAsync(CancellationToken.None))
            {
                await host.Service<IMasterData>().UpsertAsync(tx, new MasterDataSet(
                    [], [],
                    [new ItemSetup("CRBN0001", "COURBON raw material 0001", "KGM", "RAW"), new ItemSetup("SO1215", "Final 1215", "KGM", "FIN")],
                    [("PA01", "CRBN0001", 7.50m), ("PA01", "SO1215", 42.00m)],
                    []), CancellationToken.None);
                var released = await host.Service<IProduction>().ReleaseAsync(tx, new ProductionOrderDraft(
                    "53107", "PA01", "SO1215", 1m, 1, new DateOnly(2012, 12, 31), [new ComponentDraft("CRBN0001", 5m)], []), CancellationToken.None);
                if (released.IsRejected)
                    throw new InvalidOperationException(string.Join("; ", released.Violations.Select(v => v.Detail)));
                await tx.CommitAsync(CancellationToken.None);
            }

            var ledger = host.Service<ILedger>();
            foreach (var period in new[] { 201211, 202506 })
                await ledger.SetPeriodAsync(store, DemoData.Company, period, open: true, CancellationToken.None);
            seeded = true;
            return host;
        }
        finally
        {
            seeding.Release();
        }
    }
}

public sealed class AdapterSqliteHost() : AdapterHost("sqlite");

public sealed class AdapterPostgresHost() : AdapterHost("postgres");

/// <summary>Posting documents to the adapters.</summary>
internal static class Documents
{
    public static Task<HttpResponseMessage> PostAsync(TaktHost host, string path, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return host.Http.PostAsync(path, content, Xunit.TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostAsync(TaktHost host, string path, string body, string contentType) =>
        PostAsync(host, path, Encoding.UTF8.GetBytes(body), contentType);
}
