-- Live audience polls (/poll, /present): a poll asks a few framework questions, participants answer with a
-- maturity level, without an account. Applied after the core tables on build and on open: idempotent.

-- One poll. `code` is the short code in the join URL; an open poll has no closed_at.
CREATE TABLE IF NOT EXISTS polls (
    code       VARCHAR PRIMARY KEY CHECK (regexp_full_match(code, '[A-Z2-9]{4,8}')),
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    closed_at  TIMESTAMP
);

-- The questions of a poll, in the order shown: each is one framework dimension.
CREATE TABLE IF NOT EXISTS poll_questions (
    poll_code    VARCHAR NOT NULL,
    position     INTEGER NOT NULL CHECK (position BETWEEN 1 AND 20),
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    PRIMARY KEY (poll_code, position),
    UNIQUE (poll_code, dimension_id)
);

-- One answer per participant and question; a changed answer replaces the earlier one (alliance.poll is the
-- only writer). `participant` is an anonymous random token kept in the participant's URL.
-- No foreign keys here: DuckDB checks them eagerly and an upsert would trip over them.
CREATE TABLE IF NOT EXISTS poll_answers (
    poll_code    VARCHAR NOT NULL,
    dimension_id INTEGER NOT NULL,
    participant  VARCHAR NOT NULL CHECK (regexp_full_match(participant, '[A-Za-z0-9_-]{16,64}')),
    level        INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    answered_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changes      INTEGER NOT NULL DEFAULT 0 CHECK (changes >= 0),
    PRIMARY KEY (poll_code, dimension_id, participant)
);
