DROP TABLE reflections_fts_vocab;
DROP TABLE reflections_fts;

CREATE VIRTUAL TABLE reflections_fts USING fts5 (
    title, body, tags,
    content = 'reflections', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO reflections_fts (reflections_fts) VALUES ('rebuild');
INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('automerge', 0);

CREATE VIRTUAL TABLE reflections_fts_vocab USING fts5vocab (reflections_fts, row);
