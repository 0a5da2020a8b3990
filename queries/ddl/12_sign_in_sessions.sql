-- Sign-ins that survive a page reload (alliance.auth.start_session): the browser keeps a random token in a
-- cookie; the database keeps only the token's SHA-256, the account and when the sign-in ends. A row is
-- deleted at sign-out, when the account is removed or its password changed; ended rows are purged at each
-- sign-in. Never exported (not a public table).
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    token_hash VARCHAR PRIMARY KEY,
    username   VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
