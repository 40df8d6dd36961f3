namespace Takt.Adapters.Tests;

/// <summary>Files under Fixtures/ (copied beside the test assembly) and the repository's neighbours.</summary>
internal static class Fixture
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>The folder holding Takt.slnx, found from the test assembly upwards.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Takt.slnx")))
                return dir.FullName;
        }

        throw new InvalidOperationException("Takt.slnx not found above " + AppContext.BaseDirectory);
    }
}
