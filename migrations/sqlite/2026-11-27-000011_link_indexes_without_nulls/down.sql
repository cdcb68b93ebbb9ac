DROP INDEX reflections_by_session;
DROP INDEX reflections_by_network;
CREATE INDEX reflections_by_session ON reflections (session_id, created_at, id);
CREATE INDEX reflections_by_network ON reflections (network_id, created_at, id);
