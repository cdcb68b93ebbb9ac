-- The text index without word positions (`detail = none`): for each word, only the
-- reflections that hold it. Searches never needed more: they match every word as a prefix
-- anywhere in the title, body or tags (src/reflections/search.rs), with no phrases, no NEAR,
-- no column filters and no ranking (pages are newest first). Positions made the index six
-- times larger (21 MiB against 3.6 MiB for 80,000 of the benchmark's reflections), and every
-- write merges what it indexed into larger segments, again and again: under W1 merging was a
-- sixth of the writer's time, in bursts that slowed every write by half for tenths of a second.
-- A quoted word must now be one token (FTS5 refuses phrases without positions), which
-- src/reflections/tokens.rs guarantees.
DROP TABLE reflections_fts_vocab;
DROP TABLE reflections_fts;

CREATE VIRTUAL TABLE reflections_fts USING fts5 (
    title, body, tags,
    content = 'reflections', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none
);

INSERT INTO reflections_fts (reflections_fts) VALUES ('rebuild');
-- Merging stays with the writer (see search_merges_each_transaction).
INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('automerge', 0);

CREATE VIRTUAL TABLE reflections_fts_vocab USING fts5vocab (reflections_fts, row);
