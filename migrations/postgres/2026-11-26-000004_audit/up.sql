-- PostgreSQL twin of migrations/sqlite/2026-11-26-000004_audit.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES members (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}' CHECK (details::jsonb IS NOT NULL)
);
CREATE INDEX audit_events_newest ON audit_events (at, id);
