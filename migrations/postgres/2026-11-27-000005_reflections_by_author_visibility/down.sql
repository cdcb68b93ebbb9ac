CREATE INDEX reflections_by_author ON reflections (author_id, created_at, id);
DROP INDEX reflections_by_author_visibility;
