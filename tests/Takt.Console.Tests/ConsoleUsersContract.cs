using Takt.Server;
using Takt.Server.Web;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Console.Tests;

/// <summary>Console users on both engines: created with a password hash, checked at sign-in; bad input stores nothing.</summary>
public abstract class ConsoleUsersContract(string engine) : IAsyncLifetime
{
    private TaktDatabase? database;

    private TaktStore Store => database!.Store;

    public async ValueTask InitializeAsync()
    {
        if (engine == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES"))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            return;
        database = await TaktDatabase.CreateAsync(engine);
        await Migrations.ApplyAsync(database.Store, TaktServer.Schemas, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (database is not null)
            await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task a_user_signs_in_with_the_right_password_only_and_bad_input_stores_nothing()
    {
        if (database is null)
            Assert.Skip("PostgreSQL tests need TAKT_TEST_POSTGRES (./test.sh starts PostgreSQL and sets it).");
        var ct = TestContext.Current.CancellationToken;
        var created = await ConsoleUsers.CreateAsync(Store, TimeProvider.System, "paula.planner", "Paula", "correct horse", ["planner-lead"], ["PA01"], ct);
        Assert.False(created.IsRejected);

        var signedIn = await ConsoleUsers.VerifyAsync(Store, "paula.planner", "correct horse", ct);
        Assert.Equal(("paula.planner", "Paula", "planner-lead", "PA01"), (signedIn!.Name, signedIn.DisplayName, Assert.Single(signedIn.Roles), Assert.Single(signedIn.Plants)));
        Assert.Null(await ConsoleUsers.VerifyAsync(Store, "paula.planner", "correct horsE", ct));
        Assert.Null(await ConsoleUsers.VerifyAsync(Store, "nobody", "correct horse", ct));
        Assert.DoesNotContain("correct horse", Assert.Single(await Tables.QueryAsync<string>(Store, "SELECT password_hash FROM console_user WHERE name = 'paula.planner'")), StringComparison.Ordinal);

        var taken = await ConsoleUsers.CreateAsync(Store, TimeProvider.System, "paula.planner", "Other", "another password", ["buyer"], ["PB01"], ct);
        Assert.Equal([("/name", "console-user.name-taken")], taken.Violations.Select(v => (v.Field, v.Rule)));
        var bad = await ConsoleUsers.CreateAsync(Store, TimeProvider.System, "Paula Planner", "Paula", "short", [], [], ct);
        Assert.Equal(
            [("/name", "console-user.name-invalid"), ("/password", "console-user.password-too-short"), ("/roles", "console-user.roles-invalid"), ("/plants", "console-user.plants-invalid")],
            bad.Violations.Select(v => (v.Field, v.Rule)));
        Assert.Equal("Paula", (await ConsoleUsers.FindAsync(Store, "paula.planner", ct))!.DisplayName); // the refused duplicate changed nothing
        Assert.Single(await ConsoleUsers.ListAsync(Store, ct));
    }
}

public sealed class ConsoleUsersOnSqlite() : ConsoleUsersContract("sqlite");

public sealed class ConsoleUsersOnPostgres() : ConsoleUsersContract("postgres");
