-- Members, invitations, logins with their refresh tokens, and failed-login records.
-- Ids are UUID text; timestamps are UTC, written by the application.

CREATE TABLE members (
    id TEXT PRIMARY KEY NOT NULL,
    -- Lower-cased; NULL once the member is erased.
    email TEXT UNIQUE,
    display_name TEXT NOT NULL,
    member_kind TEXT NOT NULL CHECK (member_kind IN ('professional', 'executive')),
    role TEXT NOT NULL CHECK (role IN ('member', 'facilitator', 'admin')),
    organization TEXT,
    job_title TEXT,
    bio TEXT,
    -- Argon2id PHC string; NULL once erased, so no password ever matches again.
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    erased_at TIMESTAMP,
    joined_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (erased_at IS NULL OR (email IS NULL AND password_hash IS NULL AND active = 0))
);
CREATE INDEX members_by_name ON members (display_name, id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'facilitator', 'admin')),
    -- SHA-256 of the code; the code itself is shown once and never stored.
    code_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES members (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    used_by TEXT REFERENCES members (id) ON DELETE SET NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX invitations_newest ON invitations (created_at, id);
CREATE INDEX invitations_by_inviter ON invitations (invited_by, created_at, id);

-- One row per login (a refresh-token family): reuse of a rotated token revokes the login.
CREATE TABLE logins (
    id TEXT PRIMARY KEY NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX logins_by_member ON logins (member_id);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the token.
    token_hash TEXT PRIMARY KEY NOT NULL,
    login_id TEXT NOT NULL REFERENCES logins (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Set when the token was exchanged for a new one; presenting it again is theft.
    rotated_at TIMESTAMP
);
CREATE INDEX refresh_tokens_by_login ON refresh_tokens (login_id);

-- Failed logins per (lower-cased) email, for throttling; kept in the database so the limit
-- survives restarts and holds across instances.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email, failed_at);
