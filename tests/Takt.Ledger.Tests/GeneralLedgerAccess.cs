using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;

namespace Takt.Ledger.Tests;

/// <summary>The ledger as other modules get it: through ILedger from the module's registration.</summary>
internal static class GeneralLedgerAccess
{
    private static readonly ILedger Ledger = new ServiceCollection().AddLedger().BuildServiceProvider().GetRequiredService<ILedger>();

    public static Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft) => Ledger.Prepare(rules, draft);
}
