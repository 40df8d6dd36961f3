using System.Net;
using System.Text.Json;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>Account determination as data: wildcard fallback, effective-dated versions, a simulation that names the rule.</summary>
public abstract class DeterminationContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private async Task<JsonElement> SimulateAsync(object body)
    {
        using var response = await Host.PostJsonAsync("/api/v1/ledger/determination/simulate", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TaktHost.JsonAsync(response);
    }

    [Fact]
    public async Task a_goods_issue_finds_the_plant_rule_through_the_company_wildcard()
    {
        var answer = await SimulateAsync(new { company = "TK01", plant = "PA01", itemClass = "RAW", movement = "goods-issue-to-order", postingDate = new DateOnly(2026, 6, 1) });
        var determined = answer.GetProperty("determined");
        Assert.Equal(("145000", "140000"), (determined.GetProperty("debit").GetString(), determined.GetProperty("credit").GetString()));
        Assert.Equal("*", determined.GetProperty("key").GetProperty("company").GetString());
        Assert.Equal("PA01", determined.GetProperty("key").GetProperty("plant").GetString());
    }

    [Fact]
    public async Task a_missing_rule_names_the_key_it_looked_for()
    {
        var answer = await SimulateAsync(new { company = "TK01", plant = "PA01", itemClass = "TOOL", movement = "goods-issue-to-order", postingDate = new DateOnly(2026, 6, 1) });
        Assert.Equal(JsonValueKind.Null, answer.TryGetProperty("determined", out var d) ? d.ValueKind : JsonValueKind.Null);
        var problem = answer.GetProperty("problem").GetString()!;
        Assert.Contains("posting.account-determination-missing", problem, StringComparison.Ordinal);
        Assert.Contains("company TK01, plant PA01, item class TOOL, movement goods-issue-to-order, valuation class *, cost category *", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_new_version_applies_from_its_date_and_the_old_one_before()
    {
        using (var added = await Host.PostJsonAsync("/api/v1/ledger/determination/rules", new
        {
            company = "TK01", plant = "PB01", itemClass = "RAW", movement = "scrap-test", validFrom = new DateOnly(2026, 1, 1), debit = "520000", credit = "140000",
        }))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using (var v2 = await Host.PostJsonAsync("/api/v1/ledger/determination/rules", new
        {
            company = "TK01", plant = "PB01", itemClass = "RAW", movement = "scrap-test", validFrom = new DateOnly(2026, 7, 1), debit = "530000", credit = "140000",
        }))
        {
            Assert.Equal(HttpStatusCode.Created, v2.StatusCode);
            Assert.Equal(2, (await TaktHost.JsonAsync(v2)).GetProperty("version").GetInt32());
        }

        var june = await SimulateAsync(new { company = "TK01", plant = "PB01", itemClass = "RAW", movement = "scrap-test", postingDate = new DateOnly(2026, 6, 30) });
        var july = await SimulateAsync(new { company = "TK01", plant = "PB01", itemClass = "RAW", movement = "scrap-test", postingDate = new DateOnly(2026, 7, 1) });
        var before = await SimulateAsync(new { company = "TK01", plant = "PB01", itemClass = "RAW", movement = "scrap-test", postingDate = new DateOnly(2025, 12, 31) });
        Assert.Equal(("520000", 1), (june.GetProperty("determined").GetProperty("debit").GetString(), june.GetProperty("determined").GetProperty("version").GetInt32()));
        Assert.Equal(("530000", 2), (july.GetProperty("determined").GetProperty("debit").GetString(), july.GetProperty("determined").GetProperty("version").GetInt32()));
        Assert.False(before.TryGetProperty("determined", out var none) && none.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task a_rule_with_an_unknown_account_or_overlapping_validity_is_refused()
    {
        using var unknown = await Host.PostJsonAsync("/api/v1/ledger/determination/rules", new
        {
            company = "TK01", movement = "x-test", validFrom = new DateOnly(2026, 1, 1), debit = "999999", credit = "140000",
        });
        await Problems.AssertAsync(unknown, HttpStatusCode.UnprocessableEntity, "/debit", "posting.account-unknown");
        using (var first = await Host.PostJsonAsync("/api/v1/ledger/determination/rules", new { company = "TK01", movement = "y-test", validFrom = new DateOnly(2026, 5, 1), debit = "520000", credit = "140000" }))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var overlap = await Host.PostJsonAsync("/api/v1/ledger/determination/rules", new { company = "TK01", movement = "y-test", validFrom = new DateOnly(2026, 4, 1), debit = "530000", credit = "140000" });
        await Problems.AssertAsync(overlap, HttpStatusCode.UnprocessableEntity, "/validFrom", "determination.validity-overlaps");
    }
}

public sealed class DeterminationOnSqlite(SqliteHost fixture) : DeterminationContract<SqliteHost>(fixture);

public sealed class DeterminationOnPostgres(PostgresHost fixture) : DeterminationContract<PostgresHost>(fixture);
