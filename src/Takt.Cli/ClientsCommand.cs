using System.CommandLine;
using Spectre.Console;
using Takt.Integration.Access;
using Takt.Integration.Mqtt;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt clients add|list|rotate|revoke --db DB</c>: registered clients, straight on the database (the schema is
/// migrated first, so a new database works too). A new key is printed once; only its hash is stored.
/// </summary>
internal static class ClientsCommand
{
    public static Command Create()
    {
        var add = Add();
        var listDb = RunCommand.DbOption();
        var list = new Command("list", "List registered clients and their keys (never the secrets).") { listDb };
        list.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(listDb)!, ct);
            var table = new Table().AddColumns("client", "name", "owner", "scopes", "plants", "latency ms", "rate/min", "burst", "status", "keys", "mqtt");
            foreach (var c in await ClientRegistry.ListAsync(store, ct))
            {
                table.AddRow(c.Id, Markup.Escape(c.Name), Markup.Escape(c.Owner), string.Join(' ', c.Scopes), string.Join(' ', c.Plants), $"{c.LatencyObjectiveMs}", $"{c.RateLimitPerMinute}", $"{c.RateLimitBurst}", c.Status,
                    string.Join(' ', c.Keys.Select(k => k.KeyId + (k.RevokedAt is not null ? " (revoked)" : k.ExpiresAt is { } e ? $" (until {e:yyyy-MM-dd HH:mm}Z)" : ""))),
                    c.MqttCredentialIssuedAt is { } m ? $"since {m:yyyy-MM-dd HH:mm}Z" : "-");
            }

            AnsiConsole.Write(table);
            return 0;
        });

        var rotateDb = RunCommand.DbOption();
        var rotateId = new Option<string>("--id") { Description = "The client.", Required = true };
        var grace = new Option<int>("--grace-minutes") { Description = "How long the client's current keys keep working (default 0: they stop at once).", DefaultValueFactory = _ => 0 };
        var rotateExpiry = new Option<int?>("--expires-in-days") { Description = "The new key expires after this many days (default: never)." };
        var rotate = new Command("rotate", "Issue a new API key for a client; its other keys stop after the grace period.") { rotateDb, rotateId, grace, rotateExpiry };
        rotate.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(rotateDb)!, ct);
            var key = await ClientRegistry.RotateAsync(store, TimeProvider.System, parse.GetValue(rotateId)!, TimeSpan.FromMinutes(parse.GetValue(grace)), parse.GetValue(rotateExpiry), ct);
            return key.IsRejected ? Fail(key.Violations) : PrintKey(key.Value);
        });

        var revokeDb = RunCommand.DbOption();
        var revokeId = new Option<string>("--id") { Description = "The client.", Required = true };
        var keyId = new Option<string?>("--key") { Description = "Revoke only this key id (default: the client and all its keys)." };
        var revoke = new Command("revoke", "Revoke a client (all its keys), or one of its keys.") { revokeDb, revokeId, keyId };
        revoke.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(revokeDb)!, ct);
            var client = await ClientRegistry.RevokeAsync(store, TimeProvider.System, parse.GetValue(revokeId)!, parse.GetValue(keyId), ct);
            if (client.IsRejected)
                return Fail(client.Violations);
            AnsiConsole.MarkupLineInterpolated($"[green]Revoked[/] {(parse.GetValue(keyId) is { } k ? $"key {k} of " : "")}client {client.Value.Id} (status {client.Value.Status}).");
            return 0;
        });
        return new Command("clients", "Registered clients: register, list, rotate keys, revoke, MQTT credentials and broker files.") { add, list, rotate, revoke, Mqtt(), MqttBroker() };
    }

    private static Command Mqtt()
    {
        var db = RunCommand.DbOption();
        var id = new Option<string>("--id") { Description = "The client.", Required = true };
        var command = new Command("mqtt", "Give a client an MQTT login (user = client id), replacing its previous password; printed once. Regenerate the broker's files afterwards (mqtt-broker).") { db, id };
        command.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(db)!, ct);
            var issued = await MqttCredentials.IssueAsync(store, TimeProvider.System, parse.GetValue(id)!, ct);
            if (issued.IsRejected)
                return Fail(issued.Violations);
            AnsiConsole.MarkupLineInterpolated($"MQTT user [bold]{issued.Value.Username}[/]; it publishes on takt/<plant>/<line>/<event>/{issued.Value.Username}. Password, shown only now:");
            Console.WriteLine(issued.Value.Password);
            return 0;
        });
        return command;
    }

    private static Command MqttBroker()
    {
        var db = RunCommand.DbOption();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the broker's files: passwd and acl.", Required = true };
        var intakeUser = new Option<string>("--intake-user") { Description = "The broker user Takt's intake logs in as (takt run --mqtt-user); its password comes from TAKT_MQTT_PASSWORD.", DefaultValueFactory = _ => "takt" };
        var command = new Command("mqtt-broker", "Write mosquitto's password_file and acl_file from the registry: each client publishes only under its own name.") { db, output, intakeUser };
        command.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(db)!, ct);
            var files = await MqttCredentials.BrokerFilesAsync(store, parse.GetValue(intakeUser)!, Environment.GetEnvironmentVariable("TAKT_MQTT_PASSWORD") ?? "", new MqttOptions().TopicPrefix, ct);
            if (files.IsRejected)
                return Fail(files.Violations);
            var folder = parse.GetValue(output)!;
            folder.Create();
            var passwd = Path.Combine(folder.FullName, "passwd");
            var acl = Path.Combine(folder.FullName, "acl");
            await File.WriteAllTextAsync(passwd, files.Value.PasswordFile, ct);
            await File.WriteAllTextAsync(acl, files.Value.AclFile, ct);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            AnsiConsole.MarkupLineInterpolated($"Wrote {passwd} ({files.Value.Clients} clients and the intake) and {acl}. In mosquitto.conf:");
            Console.WriteLine($"allow_anonymous false\npassword_file {passwd}\nacl_file {acl}");
            AnsiConsole.MarkupLine("Then reload the broker (kill -HUP its pid) so that it reads them again.");
            return 0;
        });
        return command;
    }

    private static Command Add()
    {
        var db = RunCommand.DbOption();
        var id = new Option<string>("--id") { Description = "Client id: lowercase letters, digits, '-' (e.g. mes-pa01).", Required = true };
        var name = new Option<string>("--name") { Description = "What the client is (e.g. \"MES Plant A\").", Required = true };
        var owner = new Option<string>("--owner") { Description = "Who answers for it (person or team).", Required = true };
        var scopes = new Option<string[]>("--scope") { Description = $"A scope (repeatable): {string.Join(", ", Scopes.All.Order(StringComparer.Ordinal))}.", Required = true, AllowMultipleArgumentsPerToken = true };
        var plants = new Option<string[]>("--plant") { Description = "A plant the client may act for (repeatable), or '*' for every plant.", Required = true, AllowMultipleArgumentsPerToken = true };
        var latency = new Option<int?>("--latency-objective-ms") { Description = "The client's latency objective in milliseconds (default 1000)." };
        var perMinute = new Option<int?>("--rate-per-minute") { Description = "Sustained requests per minute (default 6000)." };
        var burst = new Option<int?>("--burst") { Description = "Requests at once: the token bucket's size (default 600)." };
        var expires = new Option<int?>("--expires-in-days") { Description = "The key expires after this many days (default: never)." };
        var command = new Command("add", "Register a client and print its API key (shown once).") { db, id, name, owner, scopes, plants, latency, perMinute, burst, expires };
        command.SetAction(async (parse, ct) =>
        {
            var store = await OpenAsync(parse.GetValue(db)!, ct);
            var registered = await ClientRegistry.RegisterAsync(store, TimeProvider.System, new AccessOptions(), new NewClient(
                parse.GetValue(id), parse.GetValue(name), parse.GetValue(owner), parse.GetValue(scopes), parse.GetValue(plants),
                parse.GetValue(latency), parse.GetValue(perMinute), parse.GetValue(burst), parse.GetValue(expires)), ct);
            if (registered.IsRejected)
                return Fail(registered.Violations);
            AnsiConsole.MarkupLineInterpolated($"[green]Registered[/] client {registered.Value.Client.Id}: {string.Join(' ', registered.Value.Client.Scopes)} for {string.Join(' ', registered.Value.Client.Plants)}.");
            return PrintKey(registered.Value.Key);
        });
        return command;
    }

    private static async Task<TaktStore> OpenAsync(string database, CancellationToken ct)
    {
        var store = TaktStore.Open(database);
        await Migrations.ApplyAsync(store, TaktServer.Schemas, ct);
        return store;
    }

    private static int PrintKey(IssuedKey key)
    {
        AnsiConsole.MarkupLineInterpolated($"API key of {key.ClientId} (key id {key.KeyId}{(key.ExpiresAt is { } e ? $", expires {e:O}" : "")}), shown only now:");
        Console.WriteLine(key.ApiKey);
        return 0;
    }

    private static int Fail(IReadOnlyList<Takt.Contracts.Violation> violations)
    {
        foreach (var v in violations)
            AnsiConsole.MarkupLineInterpolated($"[red]{v.Rule}[/] {v.Field}: {v.Detail}");
        return 1;
    }
}
