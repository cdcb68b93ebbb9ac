-- A reflection's session and network are optional, and most reflections name neither (all of
-- the benchmark's, for the network). The indexes that lists filter them by held an entry for
-- every reflection all the same: each write added one to both, each a page for the log. They
-- now index only reflections that name one: a filter `session_id = ?` implies
-- `session_id IS NOT NULL`, so it reads the same index (the query-plan tests check it), and so
-- do the foreign keys' `ON DELETE SET NULL` lookups.
DROP INDEX reflections_by_session;
DROP INDEX reflections_by_network;
CREATE INDEX reflections_by_session ON reflections (session_id, created_at, id) WHERE session_id IS NOT NULL;
CREATE INDEX reflections_by_network ON reflections (network_id, created_at, id) WHERE network_id IS NOT NULL;
