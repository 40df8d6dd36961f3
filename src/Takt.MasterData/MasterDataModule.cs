using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.MasterData;

public static class MasterDataModule
{
    public static SchemaModule Schema { get; } = new("masterdata", typeof(MasterDataModule).Assembly);

    public static IServiceCollection AddMasterData(this IServiceCollection services) =>
        services.AddSingleton<IMasterData, MasterDataStore>();

    /// <summary>Import, export, items, work centers, routings, BOMs and the change log under <c>/masterdata</c>.</summary>
    public static RouteGroupBuilder MapMasterData(this RouteGroupBuilder api) => MasterDataEndpoints.Map(api);
}
