-- Answers an editor changed on /assess and has not saved yet, kept as they change (autosave, through
-- alliance.assessments), so that leaving the page, a reload or an ended sign-in loses nothing. One row per
-- editor, member, round and dimension; deleted when the editor saves that dimension or discards the
-- changes. Evidence may be longer than a save accepts: it is kept so that the editor can shorten it.
-- Never exported (not a public table).
CREATE TABLE IF NOT EXISTS assessment_edits (
    username       VARCHAR NOT NULL,
    member_id      VARCHAR NOT NULL,
    round_year     INTEGER NOT NULL,
    dimension_id   INTEGER NOT NULL,
    level          INTEGER CHECK (level IS NULL OR level BETWEEN 0 AND 5),
    not_applicable BOOLEAN NOT NULL,
    evidence       VARCHAR,
    edited_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (username, member_id, round_year, dimension_id)
);
