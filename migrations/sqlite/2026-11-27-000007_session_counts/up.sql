-- Each session keeps how many places are taken and how many wait, so that a page of sessions
-- reads them with the sessions instead of counting every registration of the page on each
-- request. Triggers keep them: every change to a registration, whatever code makes it,
-- moves the counts in the same transaction.
ALTER TABLE sessions ADD COLUMN registered_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN waitlist_count INTEGER NOT NULL DEFAULT 0;

UPDATE sessions SET
    registered_count = (SELECT count(*) FROM registrations r
                        WHERE r.session_id = sessions.id AND r.status = 'registered'),
    waitlist_count = (SELECT count(*) FROM registrations r
                      WHERE r.session_id = sessions.id AND r.status = 'waitlisted');

CREATE TRIGGER registrations_count_insert AFTER INSERT ON registrations BEGIN
    UPDATE sessions SET
        registered_count = registered_count + (NEW.status = 'registered'),
        waitlist_count = waitlist_count + (NEW.status = 'waitlisted')
    WHERE id = NEW.session_id;
END;

CREATE TRIGGER registrations_count_delete AFTER DELETE ON registrations BEGIN
    UPDATE sessions SET
        registered_count = registered_count - (OLD.status = 'registered'),
        waitlist_count = waitlist_count - (OLD.status = 'waitlisted')
    WHERE id = OLD.session_id;
END;

CREATE TRIGGER registrations_count_update AFTER UPDATE OF status, session_id ON registrations BEGIN
    UPDATE sessions SET
        registered_count = registered_count - (OLD.status = 'registered'),
        waitlist_count = waitlist_count - (OLD.status = 'waitlisted')
    WHERE id = OLD.session_id;
    UPDATE sessions SET
        registered_count = registered_count + (NEW.status = 'registered'),
        waitlist_count = waitlist_count + (NEW.status = 'waitlisted')
    WHERE id = NEW.session_id;
END;
