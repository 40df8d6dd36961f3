using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// The journal counters of one transaction: the next number per company and fiscal year, and the audit chain's
/// sequence and last hash per company. Read once when the transaction loads its posting rules (PostgreSQL locks
/// the counter rows until commit, so numbers stay gap-free and unique across nodes); each staged entry takes the
/// next values in memory, and the counters are written once per transaction at flush (StoreTransaction.AddTo).
/// </summary>
internal sealed class JournalCursor
{
    private static readonly ConditionalWeakTable<StoreTransaction, JournalCursor> Cursors = [];

    internal const string CounterUpsert =
        "INSERT INTO ledger_counter (company, name, value) VALUES ($1, $2, $3) ON CONFLICT (company, name) DO UPDATE SET value = ledger_counter.value + excluded.value";

    private const string SqliteRead =
        "SELECT c.company, c.name, c.value, e.hash FROM ledger_counter c LEFT JOIN ledger_journal_entry e ON c.name = 'chain' AND e.company = c.company AND e.chain_seq = c.value";

    private const string PostgresRead = SqliteRead + " FOR UPDATE OF c";

    private readonly Dictionary<(string Company, string Name), long> values = [];
    private readonly Dictionary<string, string> heads = new(StringComparer.Ordinal);

    public static async Task<JournalCursor> ForAsync(StoreTransaction transaction, CancellationToken ct)
    {
        if (Cursors.TryGetValue(transaction, out var cursor))
            return cursor;
        cursor = new JournalCursor();
        await using (var reader = await transaction.Command(transaction.Engine == StoreEngine.Postgres ? PostgresRead : SqliteRead).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                cursor.Read(reader);
        }

        Cursors.AddOrUpdate(transaction, cursor);
        return cursor;
    }

    /// <summary>For a caller that stages without loading rules in this transaction: the same read, synchronously.</summary>
    public static JournalCursor For(StoreTransaction transaction)
    {
        if (Cursors.TryGetValue(transaction, out var cursor))
            return cursor;
        cursor = new JournalCursor();
        using (var reader = transaction.Command(transaction.Engine == StoreEngine.Postgres ? PostgresRead : SqliteRead).ExecuteReader())
        {
            while (reader.Read())
                cursor.Read(reader);
        }

        Cursors.AddOrUpdate(transaction, cursor);
        return cursor;
    }

    private void Read(DbDataReader reader)
    {
        var company = reader.GetString(0);
        var name = reader.GetString(1);
        values[(company, name)] = reader.GetInt64(2);
        if (name == "chain" && !reader.IsDBNull(3))
            heads[company] = reader.GetString(3);
    }

    public static string YearCounter(int fiscalYear) => "journal-" + fiscalYear.ToString(CultureInfo.InvariantCulture);

    /// <summary>Takes the next value of a counter and stages its increment.</summary>
    public long Next(StoreTransaction transaction, string company, string name)
    {
        values.TryGetValue((company, name), out var value);
        value = checked(value + 1);
        values[(company, name)] = value;
        transaction.AddTo(CounterUpsert, [company, name], 1);
        return value;
    }

    /// <summary>The hash of the company's last chained entry ("" before the first).</summary>
    public string Head(string company) => heads.TryGetValue(company, out var hash) ? hash : "";

    public void Advance(string company, string hash) => heads[company] = hash;
}

/// <summary>The audit chain's hash of an entry: SHA-256 over the previous hash and the entry's stored content.</summary>
internal static class EntryHash
{
    public sealed record Header(
        string Id, string Company, string? Plant, int PostingDate, string Currency, string DocumentType, string? SourceType, string? SourceId,
        string? Reverses, long FiscalYear, long Number, long ChainSeq, string CompanyCurrency, string Rate, string? Actor, string? Reason);

    public sealed record Line(long LineNo, string Account, long Debit, long Credit, long DebitLocal, long CreditLocal, string? Order, string? Item, string? WorkCenter);

    public static string Compute(string previous, Header h, IEnumerable<Line> lines)
    {
        var text = new StringBuilder(256);
        text.Append(previous).Append('\n');
        Append(text, h.Id, h.Company, h.Plant, h.PostingDate.ToString(CultureInfo.InvariantCulture), h.Currency, h.DocumentType, h.SourceType, h.SourceId, h.Reverses,
            h.FiscalYear.ToString(CultureInfo.InvariantCulture), h.Number.ToString(CultureInfo.InvariantCulture), h.ChainSeq.ToString(CultureInfo.InvariantCulture),
            h.CompanyCurrency, h.Rate, h.Actor, h.Reason);
        foreach (var l in lines)
        {
            Append(text, l.LineNo.ToString(CultureInfo.InvariantCulture), l.Account, l.Debit.ToString(CultureInfo.InvariantCulture), l.Credit.ToString(CultureInfo.InvariantCulture),
                l.DebitLocal.ToString(CultureInfo.InvariantCulture), l.CreditLocal.ToString(CultureInfo.InvariantCulture), l.Order, l.Item, l.WorkCenter);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    // Fields are length-prefixed, so no choice of values can make two different entries hash the same text.
    private static void Append(StringBuilder text, params string?[] fields)
    {
        foreach (var f in fields)
        {
            if (f is null)
                text.Append("-1:");
            else
                text.Append(f.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(f);
        }

        text.Append('\n');
    }
}
