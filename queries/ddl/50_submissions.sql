-- Practice submissions (issue 15): city editors write practices in the app, admins review them.
-- The catalogue (activities and its list tables) holds published versions only, so every reader (catalogue,
-- map, exports, sandbox) sees nothing else; every version of an entry, published or not, is kept here.
-- Internal tables: not in data/dictionary.csv, so never exported nor copied into the SQL sandbox.

-- Every version of a practice entry, appended by the single writer (alliance.submissions), never changed.
-- `record` holds the activities columns and lists (JSON); the entry's state is that of its newest revision.
-- action: baseline (the catalogue's published row, taken when an edit starts), create, save, undo, submit,
-- return (with the reviewer's comment), publish, decline.
CREATE TABLE IF NOT EXISTS practice_revisions (
    practice_id         VARCHAR NOT NULL,
    revision            INTEGER NOT NULL CHECK (revision >= 1),
    member_id           VARCHAR NOT NULL,  -- the lead member: its editors may change the entry
    state               VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'published', 'declined')),
    action              VARCHAR NOT NULL CHECK (action IN ('baseline', 'create', 'save', 'undo', 'submit', 'return',
                                                           'publish', 'decline')),
    record              JSON NOT NULL,
    proposed_evaluation VARCHAR CHECK (proposed_evaluation IS NULL OR
                                       proposed_evaluation IN ('none', 'internal', 'external', 'peer_reviewed')),
    comment             VARCHAR CHECK (comment IS NULL OR length(comment) <= 2000),
    saved_at            TIMESTAMP NOT NULL,
    saved_by            VARCHAR NOT NULL,
    PRIMARY KEY (practice_id, revision)
);

-- The audit of writes made in the app (submissions, reviews, exchange requests): who did what to which
-- record, and when. Imports keep their own log (20_audit.sql).
CREATE TABLE IF NOT EXISTS app_audit (
    id          INTEGER PRIMARY KEY,
    done_at     TIMESTAMP NOT NULL,
    username    VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    object_kind VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    detail      VARCHAR
);
