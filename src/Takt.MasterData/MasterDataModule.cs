using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.MasterData;

public static class MasterDataModule
{
    public static SchemaModule Schema { get; } = new("masterdata", typeof(MasterDataModule).Assembly);

    public static IServiceCollection AddMasterData(this IServiceCollection services) =>
        services.AddSingleton<IMasterData, MasterDataStore>();
}
