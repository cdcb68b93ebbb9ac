-- Administrative actions: who did what to which resource, and when. Deliberately free of
-- personal content: no names, emails or text, only ids, roles and flags.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES members (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- A small JSON object of non-personal facts, e.g. {"from": "member", "to": "facilitator"}.
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
);
CREATE INDEX audit_events_newest ON audit_events (at, id);
