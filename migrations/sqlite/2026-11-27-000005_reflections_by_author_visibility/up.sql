-- A reader's own reflections that others may not read are one slice per visibility (see
-- reflections::visibility::parts): each is an exact seek on (author, visibility) that continues
-- newest first. The author-only index made that slice walk all of the author's history and
-- check each row's visibility, a cost that grew with the log.
CREATE INDEX reflections_by_author_visibility ON reflections (author_id, visibility, created_at, id);
DROP INDEX reflections_by_author;
