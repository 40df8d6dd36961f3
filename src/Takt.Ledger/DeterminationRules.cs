using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>Account determination rules as data: versions of a key, each valid from a date (DESIGN §3).</summary>
internal static class DeterminationRules
{
    public sealed record RuleView(
        string Company, string Plant, string ItemClass, string Movement, string ValuationClass, string CostCategory,
        int Version, DateOnly? ValidFrom, DateOnly? ValidTo, string Debit, string Credit, string Actor);

    /// <summary>
    /// Adds the next version of a rule. Both accounts must exist; a new version must start after the previous
    /// one did, which then ends where the new one starts.
    /// </summary>
    public static async Task<Outcome<DeterminedAccounts>> AddAsync(StoreTransaction transaction, DeterminationRuleDraft draft, string actor, CancellationToken ct)
    {
        var violations = new List<Violation>();
        var k = draft.Key;
        foreach (var (field, value) in new[] { ("/company", k.Company), ("/plant", k.Plant), ("/itemClass", k.ItemClass), ("/valuationClass", k.ValuationClass), ("/costCategory", k.CostCategory) })
        {
            if (string.IsNullOrWhiteSpace(value))
                violations.Add(new Violation(field, "determination.key-required", $"{field[1..]} is a value or '*' for any."));
        }

        if (string.IsNullOrWhiteSpace(k.Movement) || k.Movement == "*")
            violations.Add(new Violation("/movement", "determination.movement-required", "A rule names its movement type (no wildcard)."));
        if (draft.ValidTo is { } to && to <= draft.ValidFrom)
            violations.Add(new Violation("/validTo", "determination.validity-invalid", $"validTo {to:yyyy-MM-dd} must be after validFrom {draft.ValidFrom:yyyy-MM-dd}."));
        foreach (var (field, account) in new[] { ("/debit", draft.Debit), ("/credit", draft.Credit) })
        {
            if (Convert.ToInt64(await transaction.Command("SELECT COUNT(*) FROM ledger_account WHERE number = $1", account ?? "").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
                violations.Add(new Violation(field, "posting.account-unknown", $"Account {account} does not exist."));
        }

        if (violations.Count > 0)
            return violations.ToArray();

        long latest = 0, latestFrom = 0;
        await using (var reader = await transaction.Command(
            "SELECT version, valid_from FROM ledger_determination_rule WHERE company = $1 AND plant = $2 AND item_class = $3 AND movement = $4 AND valuation_class = $5 AND cost_category = $6 ORDER BY version DESC LIMIT 1",
            k.Company, k.Plant, k.ItemClass, k.Movement, k.ValuationClass, k.CostCategory).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
                (latest, latestFrom) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var from = draft.ValidFrom.ToDateKey();
        if (latest > 0 && from <= latestFrom)
            return new Violation("/validFrom", "determination.validity-overlaps",
                $"Version {latest} of this rule is valid from {(latestFrom == 0 ? "the beginning" : Instants.FromDateKey(checked((int)latestFrom)).Format())}; a new version must start later.");
        if (latest > 0)
        {
            await transaction.ExecuteAsync(
                "UPDATE ledger_determination_rule SET valid_to = $1 WHERE company = $2 AND plant = $3 AND item_class = $4 AND movement = $5 AND valuation_class = $6 AND cost_category = $7 AND version = $8 AND (valid_to IS NULL OR valid_to > $1)",
                ct, from, k.Company, k.Plant, k.ItemClass, k.Movement, k.ValuationClass, k.CostCategory, latest);
        }

        var version = checked((int)latest + 1);
        await transaction.ExecuteAsync(
            "INSERT INTO ledger_determination_rule (company, plant, item_class, movement, valuation_class, cost_category, version, valid_from, valid_to, debit_account, credit_account, actor, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            ct, k.Company, k.Plant, k.ItemClass, k.Movement, k.ValuationClass, k.CostCategory, version, from, draft.ValidTo?.ToDateKey(), draft.Debit, draft.Credit, actor,
            transaction.Clock.GetUtcNow().ToUnixMicroseconds());
        return new DeterminedAccounts(k, version, draft.ValidFrom, draft.ValidTo, draft.Debit, draft.Credit);
    }

    public static async Task<IReadOnlyList<RuleView>> ListAsync(StoreSession session, string? movement, CancellationToken ct)
    {
        var rows = new List<RuleView>();
        await using var reader = await session.Read(
            "SELECT company, plant, item_class, movement, valuation_class, cost_category, version, valid_from, valid_to, debit_account, credit_account, actor FROM ledger_determination_rule WHERE CAST($1 AS text) IS NULL OR movement = $1 ORDER BY movement, company, plant, item_class, valuation_class, cost_category, version",
            movement).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var from = checked((int)reader.GetInt64(7));
            rows.Add(new RuleView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                checked((int)reader.GetInt64(6)), from == 0 ? null : Instants.FromDateKey(from), reader.IsDBNull(8) ? null : Instants.FromDateKey(checked((int)reader.GetInt64(8))),
                reader.GetString(9), reader.GetString(10), reader.GetString(11)));
        }

        return rows;
    }
}
