-- The light participant path (/vote/CODE): each sent form carries a one-time nonce; a nonce stored here was
-- used, so a replayed form is refused. Rows of closed polls may be deleted with their open texts.
CREATE TABLE IF NOT EXISTS poll_used_nonces (
    nonce     VARCHAR PRIMARY KEY,
    poll_code VARCHAR NOT NULL,
    used_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
