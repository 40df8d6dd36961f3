using Microsoft.Extensions.DependencyInjection;

namespace Takt.Intelligence.Tests;

internal static class Module
{
    /// <summary>The module's public surface, as a host registers it (files and maps need no database).</summary>
    public static IIntelligence Intelligence() =>
        new ServiceCollection().AddSingleton(TimeProvider.System).AddIntelligence().BuildServiceProvider().GetRequiredService<IIntelligence>();
}
