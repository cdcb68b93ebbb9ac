-- PostgreSQL twin of migrations/sqlite/2026-11-26-000002_community.

CREATE TABLE networks (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL,
    task TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('direct', 'indirect', 'both')),
    focus_kind TEXT NOT NULL CHECK (focus_kind IN ('area', 'target_group')),
    focus_label TEXT NOT NULL,
    future TEXT NOT NULL CHECK (future IN ('transitional', 'lasting', 'undecided')),
    legitimacy TEXT NOT NULL DEFAULT '[]' CHECK (legitimacy::jsonb IS NOT NULL),
    organizations TEXT NOT NULL DEFAULT '[]' CHECK (organizations::jsonb IS NOT NULL),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX networks_by_name ON networks (name_key, id);

CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'participant')),
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, member_id)
);
CREATE INDEX network_members_by_member ON network_members (member_id, network_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    theme TEXT CHECK (theme IN ('identity', 'autonomy', 'legitimacy')),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    location TEXT,
    online_url TEXT,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by TEXT REFERENCES members (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_by_start ON sessions (starts_at, id);

CREATE TABLE session_facilitators (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, member_id)
);
CREATE INDEX session_facilitators_by_member ON session_facilitators (member_id);

CREATE TABLE registrations (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    seq BIGINT NOT NULL,
    attended BOOLEAN,
    registered_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, member_id),
    UNIQUE (session_id, seq)
);
CREATE INDEX registrations_by_status ON registrations (session_id, status, seq);
CREATE INDEX registrations_by_member ON registrations (member_id, status);

CREATE TABLE calendar_tokens (
    member_id TEXT PRIMARY KEY NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
