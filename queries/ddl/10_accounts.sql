-- Accounts, the cities each editor may write for, and the history of every saved self-assessment.
-- Applied after 00_core.sql on build and on open: every statement idempotent.

-- Local accounts. Passwords are stored only as argon2 hashes; an account signing in through OpenID
-- Connect is matched on its e-mail and may have no password (NULL). Viewers need no account.
CREATE TABLE IF NOT EXISTS users (
    username        VARCHAR PRIMARY KEY CHECK (regexp_full_match(username, '[a-z0-9][a-z0-9._@+-]{1,63}')),
    password_hash   VARCHAR CHECK (password_hash IS NULL OR password_hash LIKE '$argon2%'),
    role            VARCHAR NOT NULL CHECK (role IN ('editor', 'admin')),
    email           VARCHAR CHECK (email IS NULL OR email LIKE '%_@_%'),
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    TIMESTAMP
);

-- The members (cities) an editor may assess. Admins may write for every member and need no rows here.
-- No foreign key to users: DuckDB refuses deleting a user and its grants in one transaction with one.
CREATE TABLE IF NOT EXISTS user_members (
    username  VARCHAR NOT NULL,
    member_id VARCHAR NOT NULL REFERENCES members (id),
    PRIMARY KEY (username, member_id)
);

-- Every saved version of an assessment, appended by the single writer (alliance.assessments): who saved,
-- when, what they did, and the complete answers after the save as JSON
-- ([{"dimension_id", "level", "not_applicable", "evidence"}, ...]). Nothing is overwritten without trace.
CREATE TABLE IF NOT EXISTS assessment_versions (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    saved_at      TIMESTAMP NOT NULL,
    saved_by      VARCHAR NOT NULL,
    action        VARCHAR NOT NULL CHECK (action IN ('save', 'submit', 'validate', 'reopen', 'replace_invented')),
    status        VARCHAR NOT NULL CHECK (status IN ('draft', 'submitted', 'validated')),
    provenance    VARCHAR NOT NULL CHECK (provenance IN ('reported', 'invented')),
    scores        JSON NOT NULL,
    PRIMARY KEY (assessment_id, version)
);
