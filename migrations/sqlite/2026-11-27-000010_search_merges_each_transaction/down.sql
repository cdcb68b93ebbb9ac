INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('automerge', 4);
