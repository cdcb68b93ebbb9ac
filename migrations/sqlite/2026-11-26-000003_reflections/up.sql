-- The reflection log, its comments, and full-text search. `tensions` and `tags` are JSON arrays
-- on the reflection (the canonical copy); the lookup tables and the FTS5 index are kept in sync
-- by triggers, so the database itself guarantees they never drift.

CREATE TABLE reflections (
    -- Rowid alias: a stable integer key for the FTS index (VACUUM may renumber implicit rowids).
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    author_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
    network_id TEXT REFERENCES networks (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tensions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tensions)),
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    awareness INTEGER CHECK (awareness BETWEEN 1 AND 5),
    capability INTEGER CHECK (capability BETWEEN 1 AND 5),
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'facilitators', 'community')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((awareness IS NULL) = (capability IS NULL))
);
-- Newest first, per visibility and per filter.
CREATE INDEX reflections_newest ON reflections (created_at, id);
CREATE INDEX reflections_by_visibility ON reflections (visibility, created_at, id);
CREATE INDEX reflections_by_author ON reflections (author_id, created_at, id);
CREATE INDEX reflections_by_session ON reflections (session_id, created_at, id);
CREATE INDEX reflections_by_network ON reflections (network_id, created_at, id);

CREATE TABLE reflection_tensions (
    reflection_seq INTEGER NOT NULL REFERENCES reflections (seq) ON DELETE CASCADE,
    tension TEXT NOT NULL CHECK (tension IN ('identity', 'autonomy', 'legitimacy')),
    PRIMARY KEY (tension, reflection_seq)
) WITHOUT ROWID;

CREATE TABLE reflection_tags (
    reflection_seq INTEGER NOT NULL REFERENCES reflections (seq) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, reflection_seq)
) WITHOUT ROWID;

CREATE TRIGGER reflections_lookup_insert AFTER INSERT ON reflections BEGIN
    INSERT OR IGNORE INTO reflection_tensions (reflection_seq, tension)
        SELECT NEW.seq, value FROM json_each(NEW.tensions);
    INSERT OR IGNORE INTO reflection_tags (reflection_seq, tag)
        SELECT NEW.seq, value FROM json_each(NEW.tags);
END;

CREATE TRIGGER reflections_lookup_update AFTER UPDATE OF tensions, tags ON reflections BEGIN
    DELETE FROM reflection_tensions WHERE reflection_seq = OLD.seq;
    DELETE FROM reflection_tags WHERE reflection_seq = OLD.seq;
    INSERT OR IGNORE INTO reflection_tensions (reflection_seq, tension)
        SELECT NEW.seq, value FROM json_each(NEW.tensions);
    INSERT OR IGNORE INTO reflection_tags (reflection_seq, tag)
        SELECT NEW.seq, value FROM json_each(NEW.tags);
END;

-- Title, body and tags, searchable by word prefix; diacritics folded so `een` finds `één`.
CREATE VIRTUAL TABLE reflections_fts USING fts5 (
    title, body, tags,
    content = 'reflections', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER reflections_fts_insert AFTER INSERT ON reflections BEGIN
    INSERT INTO reflections_fts (rowid, title, body, tags)
        VALUES (NEW.seq, NEW.title, NEW.body, NEW.tags);
END;

CREATE TRIGGER reflections_fts_delete AFTER DELETE ON reflections BEGIN
    INSERT INTO reflections_fts (reflections_fts, rowid, title, body, tags)
        VALUES ('delete', OLD.seq, OLD.title, OLD.body, OLD.tags);
END;

CREATE TRIGGER reflections_fts_update AFTER UPDATE OF title, body, tags ON reflections BEGIN
    INSERT INTO reflections_fts (reflections_fts, rowid, title, body, tags)
        VALUES ('delete', OLD.seq, OLD.title, OLD.body, OLD.tags);
    INSERT INTO reflections_fts (rowid, title, body, tags)
        VALUES (NEW.seq, NEW.title, NEW.body, NEW.tags);
END;

CREATE TABLE comments (
    id TEXT PRIMARY KEY NOT NULL,
    reflection_id TEXT NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_oldest ON comments (reflection_id, created_at, id);
CREATE INDEX comments_by_author ON comments (author_id);
