namespace Takt.Contracts.Tests;

internal static class RepositoryRoot
{
    /// <summary>The folder holding Takt.slnx, found from the test assembly upwards.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Takt.slnx")))
                return dir.FullName;
        }

        throw new InvalidOperationException("Takt.slnx not found above " + AppContext.BaseDirectory);
    }
}
