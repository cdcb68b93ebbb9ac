DROP TABLE reflections_fts_vocab;

DROP TABLE reflections_fts;

CREATE VIRTUAL TABLE reflections_fts USING fts5 (
    title, body, tags,
    content = 'reflections', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO reflections_fts (reflections_fts) VALUES ('rebuild');
