using System.Data.Common;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>Something the audit verification found wrong: a changed, missing or re-ordered entry, or a numbering gap.</summary>
public sealed record AuditFinding(long? ChainSeq, string? EntryId, string Problem);

/// <summary>The result of recomputing a company's hash chain over its journal entries.</summary>
public sealed record AuditReport(string Company, long Entries, long Lines, string? Head, IReadOnlyList<AuditFinding> Findings)
{
    public bool Intact => Findings.Count == 0;
}

/// <summary>
/// Recomputes each entry's hash from its stored header and lines and the previous entry's hash, in chain order, and
/// checks that the chain has no gap, ends at the counter, and that journal numbers run 1…n per fiscal year.
/// </summary>
internal static class Audit
{
    private const int MaxFindings = 100;

    public static async Task<AuditReport> VerifyAsync(TaktStore store, string company, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var findings = new List<AuditFinding>();
        var previous = "";
        long expectedSeq = 1, entries = 0, lines = 0;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT e.id, e.plant, e.posting_date, e.currency, e.document_type, e.source_type, e.source_id, e.reverses, e.fiscal_year, e.number, e.chain_seq,
                       e.company_currency, e.rate, e.actor, e.reason, e.hash,
                       l.line_no, l.account, l.debit_e4, l.credit_e4, l.debit_local_e4, l.credit_local_e4, l.order_number, l.item, l.work_center
                FROM ledger_journal_entry e JOIN ledger_journal_line l ON l.entry_id = e.id
                WHERE e.company = @company AND e.chain_seq IS NOT NULL
                ORDER BY e.chain_seq, l.line_no
                """;
            Periods.Add(command, "company", company);
            await using var reader = await command.ExecuteReaderAsync(ct);
            string? currentId = null;
            EntryHash.Header? header = null;
            string? stored = null;
            var entryLines = new List<EntryHash.Line>();
            void Finish()
            {
                if (header is null)
                    return;
                entries++;
                if (header.ChainSeq != expectedSeq)
                    Add(findings, new AuditFinding(header.ChainSeq, header.Id, $"Chain position {expectedSeq} is missing; the next entry found is at {header.ChainSeq}."));
                expectedSeq = header.ChainSeq + 1;
                var computed = EntryHash.Compute(previous, header, entryLines);
                if (!string.Equals(computed, stored, StringComparison.Ordinal))
                    Add(findings, new AuditFinding(header.ChainSeq, header.Id, $"Entry {header.Id} (number {header.Number}/{header.FiscalYear}) does not match its hash: its header or lines were changed after posting, or an entry before it was."));
                previous = stored ?? "";
                entryLines.Clear();
            }

            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetString(0);
                if (id != currentId)
                {
                    Finish();
                    currentId = id;
                    header = new EntryHash.Header(id, company, Text(reader, 1), checked((int)reader.GetInt64(2)), reader.GetString(3), reader.GetString(4), Text(reader, 5), Text(reader, 6), Text(reader, 7),
                        reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetString(11), reader.GetString(12), Text(reader, 13), Text(reader, 14));
                    stored = Text(reader, 15);
                }

                lines++;
                entryLines.Add(new EntryHash.Line(reader.GetInt64(16), reader.GetString(17), reader.GetInt64(18), reader.GetInt64(19), reader.GetInt64(20), reader.GetInt64(21), Text(reader, 22), Text(reader, 23), Text(reader, 24)));
            }

            Finish();
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT value FROM ledger_counter WHERE company = @company AND name = 'chain'";
            Periods.Add(command, "company", company);
            var counter = await command.ExecuteScalarAsync(ct) is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (counter != expectedSeq - 1)
                Add(findings, new AuditFinding(counter, null, $"The chain counter says {counter} entries were posted; the journal holds a chain up to {expectedSeq - 1}: entries were removed or added outside the ledger."));
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT fiscal_year, COUNT(*), MIN(number), MAX(number) FROM ledger_journal_entry WHERE company = @company AND number IS NOT NULL GROUP BY fiscal_year ORDER BY fiscal_year";
            Periods.Add(command, "company", company);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (year, count, min, max) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
                if (min != 1 || max != count)
                    Add(findings, new AuditFinding(null, null, $"Fiscal year {year}: {count} entries numbered {min}…{max}; numbers must run 1…{count} without gaps."));
            }
        }

        return new AuditReport(company, entries, lines, previous.Length == 0 ? null : previous, findings);
    }

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static void Add(List<AuditFinding> findings, AuditFinding finding)
    {
        if (findings.Count < MaxFindings)
            findings.Add(finding);
    }
}
