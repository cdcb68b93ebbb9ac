-- Whatever is still queued is indexed first (the queue is empty between transactions).
INSERT INTO reflections_fts (rowid, title, body, tags)
    SELECT r.seq, r.title, r.body, r.tags
    FROM reflections_fts_queue q JOIN reflections r ON r.seq = q.seq;

DROP TRIGGER reflections_fts_insert;
DROP TRIGGER reflections_fts_delete;
DROP TRIGGER reflections_fts_update;
DROP TABLE reflections_fts_queue;

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
