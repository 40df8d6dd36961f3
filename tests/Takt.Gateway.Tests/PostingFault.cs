using Takt.Store;
using Takt.Testing;

namespace Takt.Gateway.Tests;

/// <summary>
/// A real fault in the posting step: a database trigger that makes every INSERT into ledger_journal_line fail,
/// as a full disk or a broken constraint would. Disposing removes it.
/// </summary>
internal sealed class PostingFault : IAsyncDisposable
{
    private readonly TaktStore store;
    private bool removed;

    private PostingFault(TaktStore store) => this.store = store;

    public static async Task<PostingFault> InstallAsync(TaktStore store)
    {
        await Tables.ExecuteAsync(store, store.Engine == StoreEngine.Sqlite
            ? "CREATE TRIGGER takt_test_posting_fault BEFORE INSERT ON ledger_journal_line BEGIN SELECT RAISE(ABORT, 'injected posting fault'); END;"
            : """
              CREATE FUNCTION takt_test_posting_fault() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  RAISE EXCEPTION 'injected posting fault';
              END $$;
              CREATE TRIGGER takt_test_posting_fault BEFORE INSERT ON ledger_journal_line
                  FOR EACH ROW EXECUTE FUNCTION takt_test_posting_fault();
              """);
        return new PostingFault(store);
    }

    public async Task RemoveAsync()
    {
        if (removed)
            return;
        removed = true;
        await Tables.ExecuteAsync(store, store.Engine == StoreEngine.Sqlite
            ? "DROP TRIGGER takt_test_posting_fault;"
            : "DROP TRIGGER takt_test_posting_fault ON ledger_journal_line; DROP FUNCTION takt_test_posting_fault();");
    }

    public async ValueTask DisposeAsync() => await RemoveAsync();
}
