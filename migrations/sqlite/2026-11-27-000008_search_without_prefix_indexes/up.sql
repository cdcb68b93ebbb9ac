-- The text index without its prefix indexes (`prefix = '2 3'`). They made every stored word
-- cost three index entries (the word, its first two and its first three characters), for
-- searches of two- and three-character words only: a longer word prefix (most searches) is
-- answered from the words themselves either way. Writing a reflection is about a quarter
-- faster without them; a search for a two- or three-character prefix now merges the words
-- that start with it, as one-character searches always did, unless it is spelled out (below).
-- Word prefixes still match.
DROP TABLE reflections_fts;

CREATE VIRTUAL TABLE reflections_fts USING fts5 (
    title, body, tags,
    content = 'reflections', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO reflections_fts (reflections_fts) VALUES ('rebuild');

-- The index's vocabulary, so a search can spell a word prefix out as the words it covers
-- (src/reflections/search.rs, `sqlite_expression`): FTS5 reads an `OR` of words lazily,
-- newest first, where a prefix term first merges every covered word's matches.
CREATE VIRTUAL TABLE reflections_fts_vocab USING fts5vocab (reflections_fts, row);
