using System.Text.Json;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// The published OCEL 2.0 logs and schemas in <c>../shared/data/ocel/</c> (GPL-3.0, read there and never copied into
/// the tree, as SOURCES.md asks), and Takt's own fixtures beside the tests. Without the shared folder a test that needs
/// it is skipped with the reason, except on CI, where it fails.
/// </summary>
internal static class OcelData
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Shared(string name)
    {
        var path = Path.Combine(SharedFolder(), name);
        return File.Exists(path) ? path : throw new FileNotFoundException("A published OCEL file is missing from ../shared/data/ocel.", path);
    }

    public static JsonElement Expected(string file) =>
        JsonDocument.Parse(File.ReadAllText(Shared("EXPECTED.json"))).RootElement.GetProperty(file);

    private static string SharedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Takt.slnx")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "ocel"));
                if (Directory.Exists(shared))
                    return shared;
                break;
            }
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("../shared/data/ocel is missing on CI.");
        Assert.Skip("The published OCEL logs are read from ../shared/data/ocel, which is not present here.");
        return "";
    }
}
