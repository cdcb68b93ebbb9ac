-- New reflections enter the text index once per write transaction instead of one by one.
--
-- FTS5 writes what it has gathered as a new segment of its index at every savepoint and every
-- statement that opens one, so a trigger that indexed each new row made one segment per
-- reflection: the writer runs each write of a group in a savepoint of its own (src/db/writer.rs).
-- Every segment is then merged into larger ones, again and again; in W1 groups of a few writes
-- took 10-15 ms to run because of it, and every write waited for them. Now the trigger only
-- queues the new row here, and the transaction's last statement indexes the whole queue at once
-- (src/db/sqlite.rs, `index_queued_reflections`): one segment per transaction.
--
-- The queue is empty between transactions. A row edited or deleted while it is queued (in the
-- transaction that added it) is not in the text index yet: the triggers below leave the index
-- alone for it, and the queue indexes it as it stands when the transaction ends (or not at
-- all, once deleted).
CREATE TABLE reflections_fts_queue (
    seq INTEGER PRIMARY KEY NOT NULL
);

DROP TRIGGER reflections_fts_insert;
DROP TRIGGER reflections_fts_delete;
DROP TRIGGER reflections_fts_update;

CREATE TRIGGER reflections_fts_insert AFTER INSERT ON reflections BEGIN
    INSERT INTO reflections_fts_queue (seq) VALUES (NEW.seq);
END;

CREATE TRIGGER reflections_fts_delete AFTER DELETE ON reflections BEGIN
    INSERT INTO reflections_fts (reflections_fts, rowid, title, body, tags)
        SELECT 'delete', OLD.seq, OLD.title, OLD.body, OLD.tags
        WHERE NOT EXISTS (SELECT 1 FROM reflections_fts_queue WHERE seq = OLD.seq);
    DELETE FROM reflections_fts_queue WHERE seq = OLD.seq;
END;

CREATE TRIGGER reflections_fts_update AFTER UPDATE OF title, body, tags ON reflections
WHEN NOT EXISTS (SELECT 1 FROM reflections_fts_queue WHERE seq = OLD.seq) BEGIN
    INSERT INTO reflections_fts (reflections_fts, rowid, title, body, tags)
        VALUES ('delete', OLD.seq, OLD.title, OLD.body, OLD.tags);
    INSERT INTO reflections_fts (rowid, title, body, tags)
        VALUES (NEW.seq, NEW.title, NEW.body, NEW.tags);
END;
