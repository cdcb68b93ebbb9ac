-- The text index merges its segments a little at the end of every write transaction that
-- indexed reflections (src/db/sqlite.rs, `index_queued_reflections`), instead of FTS5's
-- automerge. Automerge does its work in lumps: after every 64 leaf pages written, 64 pages per
-- level of the index at once, which held up that transaction's commit 10-20 ms several times a
-- second in W1. Merging a bounded amount per transaction does the same work in small steps;
-- FTS5's crisis merge (16 segments on one level) still bounds the index if writes ever outrun it.
INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('automerge', 0);
