-- Each session keeps how many places are taken and how many wait, so that a page of sessions
-- reads them with the sessions instead of counting every registration of the page on each
-- request. A trigger keeps them: every change to a registration, whatever code makes it,
-- moves the counts in the same transaction.
ALTER TABLE sessions ADD COLUMN registered_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN waitlist_count INTEGER NOT NULL DEFAULT 0;

UPDATE sessions SET
    registered_count = (SELECT count(*) FROM registrations r
                        WHERE r.session_id = sessions.id AND r.status = 'registered'),
    waitlist_count = (SELECT count(*) FROM registrations r
                      WHERE r.session_id = sessions.id AND r.status = 'waitlisted');

CREATE FUNCTION registrations_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE sessions SET
            registered_count = registered_count - (OLD.status = 'registered')::integer,
            waitlist_count = waitlist_count - (OLD.status = 'waitlisted')::integer
        WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE sessions SET
            registered_count = registered_count + (NEW.status = 'registered')::integer,
            waitlist_count = waitlist_count + (NEW.status = 'waitlisted')::integer
        WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER registrations_count
    AFTER INSERT OR DELETE OR UPDATE OF status, session_id ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_count();
