using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Server.Web;

/// <summary>A person who signs in to the web console. <c>Plants</c> holds <c>*</c> for every plant.</summary>
/// <param name="Name">The sign-in name, also the person's name in orchestration (role assignments, task actors).</param>
/// <param name="DisplayName">The name the console shows.</param>
/// <param name="Roles">Orchestration roles (buyer, plant-controller …) and console roles (<see cref="ConsoleRoles"/>).</param>
/// <param name="Plants">The plants the person works for; <c>*</c> for every plant.</param>
/// <param name="CreatedAt">When the user was created (default when read from a sign-in cookie).</param>
public sealed record ConsoleUser(string Name, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Plants, DateTimeOffset CreatedAt)
{
    public bool AllPlants => Plants.Contains("*");

    public bool MaySee(string? plant) => AllPlants || (plant is not null && Plants.Contains(plant, StringComparer.Ordinal));
}

/// <summary>Console roles besides the orchestration roles.</summary>
public static class ConsoleRoles
{
    /// <summary>Integration health: clients, failures, dead letters (replay), webhook deliveries.</summary>
    public const string IntegrationOwner = "integration-owner";
}

/// <summary>Console users: created with a PBKDF2 password hash (ASP.NET Core <see cref="PasswordHasher{TUser}"/>), checked at sign-in.</summary>
public static partial class ConsoleUsers
{
    public const int MinimumPasswordLength = 8;

    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>A password's hash (PBKDF2 with a random salt, as ASP.NET Core Identity stores it).</summary>
    public static string HashPassword(string password) => Hasher.HashPassword("", password);

    /// <summary>
    /// Creates a user; a name already taken, a short password, or no role is refused and nothing is stored.
    /// <c>passwordHash</c>: the password's hash when the caller computed it already (demo users share one; hashing is slow on purpose).
    /// </summary>
    public static async Task<Outcome<ConsoleUser>> CreateAsync(TaktStore store, TimeProvider clock, string name, string displayName, string password, IReadOnlyList<string> roles, IReadOnlyList<string> plants, CancellationToken ct, string? passwordHash = null)
    {
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(name) || !NamePattern().IsMatch(name))
            errors.Add(new Violation("/name", "console-user.name-invalid", "A user name is 1 to 64 lower-case letters, digits, '.', '-' or '_'."));
        if (password is null || password.Length < MinimumPasswordLength)
            errors.Add(new Violation("/password", "console-user.password-too-short", $"A password has at least {MinimumPasswordLength} characters."));
        if (roles.Count == 0 || roles.Any(r => !NamePattern().IsMatch(r)))
            errors.Add(new Violation("/roles", "console-user.roles-invalid", "A user holds at least one role; a role is lower-case letters, digits, '.', '-' or '_'."));
        if (plants.Count == 0 || plants.Any(p => p != "*" && !NamePattern().IsMatch(p.ToLowerInvariant())))
            errors.Add(new Violation("/plants", "console-user.plants-invalid", "A user works for at least one plant, or '*' for every plant."));
        if (errors.Count > 0)
            return errors.ToArray();

        var now = clock.GetUtcNow();
        await using var connection = await store.OpenConnectionAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO console_user (name, display_name, password_hash, roles, plants, created_at_us)
            VALUES (@name, @displayName, @hash, @roles, @plants, @now) ON CONFLICT (name) DO NOTHING
            """,
            new { name, displayName, hash = passwordHash ?? HashPassword(password!), roles = string.Join(' ', roles), plants = string.Join(' ', plants), now = now.ToUnixMicroseconds() },
            cancellationToken: ct));
        return inserted == 0
            ? new Violation("/name", "console-user.name-taken", $"A console user '{name}' exists already.")
            : new ConsoleUser(name, displayName, roles, plants, now);
    }

    /// <summary>The user when the password matches, else null (the same answer for an unknown name and a wrong password).</summary>
    public static async Task<ConsoleUser?> VerifyAsync(TaktStore store, string name, string password, CancellationToken ct)
    {
        var row = await FindRowAsync(store, name, ct);
        if (row is null)
        {
            // Hash anyway so an unknown name takes as long as a wrong password.
            _ = Hasher.VerifyHashedPassword("", UnknownUserHash.Value, password);
            return null;
        }

        return Hasher.VerifyHashedPassword("", row.Value.Hash, password) == PasswordVerificationResult.Failed ? null : row.Value.User;
    }

    public static async Task<ConsoleUser?> FindAsync(TaktStore store, string name, CancellationToken ct) => (await FindRowAsync(store, name, ct))?.User;

    public static async Task<IReadOnlyList<ConsoleUser>> ListAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Name, string Display, string Hash, string Roles, string Plants, long CreatedUs)>(new CommandDefinition(
            "SELECT name, display_name, password_hash, roles, plants, created_at_us FROM console_user ORDER BY name", cancellationToken: ct));
        return [.. rows.Select(r => ToUser(r).User)];
    }

    /// <summary>The claims of a signed-in user: name, display name, a role claim per role, a plant claim per plant.</summary>
    public static ClaimsPrincipal Principal(ConsoleUser user, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, user.Name), new("display_name", user.DisplayName) };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(user.Plants.Select(p => new Claim("plant", p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The user a principal stands for (from its claims; no database read).</summary>
    public static ConsoleUser Of(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? "",
        principal.FindFirst("display_name")?.Value ?? principal.Identity?.Name ?? "",
        [.. principal.FindAll(ClaimTypes.Role).Select(c => c.Value)],
        [.. principal.FindAll("plant").Select(c => c.Value)],
        default);

    private static readonly Lazy<string> UnknownUserHash = new(() => HashPassword(Guid.NewGuid().ToString()));

    private static async Task<(ConsoleUser User, string Hash)?> FindRowAsync(TaktStore store, string name, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Name, string Display, string Hash, string Roles, string Plants, long CreatedUs)>(new CommandDefinition(
            "SELECT name, display_name, password_hash, roles, plants, created_at_us FROM console_user WHERE name = @name", new { name }, cancellationToken: ct));
        return rows.Select(ToUser).Cast<(ConsoleUser, string)?>().FirstOrDefault();
    }

    private static (ConsoleUser User, string Hash) ToUser((string Name, string Display, string Hash, string Roles, string Plants, long CreatedUs) r) =>
        (new ConsoleUser(r.Name, r.Display, r.Roles.Split(' ', StringSplitOptions.RemoveEmptyEntries), r.Plants.Split(' ', StringSplitOptions.RemoveEmptyEntries), Instants.FromUnixMicroseconds(r.CreatedUs)), r.Hash);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.None, matchTimeoutMilliseconds: 100)]
    private static partial Regex NamePattern();
}
