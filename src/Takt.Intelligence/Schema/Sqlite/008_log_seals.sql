-- The process log made tamper-evident (DESIGN: "the journal and the process log are tamper-evident"): the log
-- sealer reads the log in commit order from its position (intel_indexer 'seal') and seals each batch of events as a
-- block whose hash chains to the block before: SHA-256 over the previous block's hash and every event's stored
-- fields. A changed, deleted or inserted event in a sealed block no longer matches (takt audit verify --log).
CREATE TABLE intel_log_seal (
    upto_seq INTEGER NOT NULL PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    events INTEGER NOT NULL,
    hash TEXT NOT NULL,
    previous TEXT NOT NULL,
    sealed_at_us INTEGER NOT NULL
) WITHOUT ROWID;
-- From the start of the log: the sealer seals the history on its first turns.
INSERT INTO intel_indexer (name, position) VALUES ('seal', 0);
