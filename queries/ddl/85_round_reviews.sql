-- Review of a submitted round by a peer or the secretariat (issue 16), written only by alliance.round_review.
-- An admin assigns a submitted round to a reviewer (an admin, or an editor of another member city who agreed to
-- review); the reviewer acts on each dimension; the city answers; an admin validates with the agreed levels.
-- The city's own answers stay as they are in assessment_scores; the agreed levels live here. Scoring queries
-- (bench_*, map_*) take a validated round's level from its validated review, the city's answer otherwise.

-- Editors who agreed to review other cities' rounds (internal: an account name). A withdrawn consent keeps its row.
CREATE TABLE IF NOT EXISTS reviewer_consents (
    username     VARCHAR PRIMARY KEY,
    agreed_at    TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);

-- One review of one assessment (public: exported, with no account name). reviewer_role says who reviewed:
-- the secretariat (an admin) or a peer, an editor of reviewer_member_id. `version` grows with every write
-- (concurrent edits are refused against it).
CREATE TABLE IF NOT EXISTS round_reviews (
    id                 INTEGER PRIMARY KEY,  -- allocated by the single writer
    assessment_id      INTEGER NOT NULL,  -- assessments.id (no FOREIGN KEY: DuckDB then refuses updating the round)
    member_id          VARCHAR NOT NULL REFERENCES members (id),
    round_year         INTEGER NOT NULL,
    state              VARCHAR NOT NULL CHECK (state IN ('assigned', 'reviewed', 'answered', 'validated', 'withdrawn')),
    reviewer_role      VARCHAR NOT NULL CHECK (reviewer_role IN ('secretariat', 'peer')),
    reviewer_member_id VARCHAR,
    assigned_on        DATE NOT NULL,
    reviewed_on        DATE,
    answered_on        DATE,
    validated_on       DATE,
    version            INTEGER NOT NULL CHECK (version >= 1),
    provenance         VARCHAR NOT NULL CHECK (provenance IN ('reported', 'invented')),
    CHECK (reviewer_role = 'secretariat' OR reviewer_member_id IS NOT NULL)
);

-- Per dimension: the city's answer when the review began, the reviewer's action (agree, propose another level
-- with a reason, ask for evidence), the city's response, and the level agreed at validation (public).
CREATE TABLE IF NOT EXISTS round_review_items (
    review_id               INTEGER NOT NULL,  -- round_reviews.id (no FOREIGN KEY: DuckDB then refuses any update of the review)
    dimension_id            INTEGER NOT NULL REFERENCES dimensions (id),
    original_level          INTEGER CHECK (original_level BETWEEN 0 AND 5),
    original_not_applicable BOOLEAN NOT NULL,
    review_action           VARCHAR CHECK (review_action IN ('agree', 'propose', 'evidence')),
    proposed_level          INTEGER CHECK (proposed_level BETWEEN 0 AND 5),
    review_comment          VARCHAR CHECK (length(review_comment) <= 2000),
    city_response           VARCHAR CHECK (city_response IN ('accept', 'keep', 'evidence')),
    city_comment            VARCHAR CHECK (length(city_comment) <= 2000),
    agreed_level            INTEGER CHECK (agreed_level BETWEEN 0 AND 5),
    agreed_not_applicable   BOOLEAN,
    PRIMARY KEY (review_id, dimension_id),
    CHECK (review_action IS DISTINCT FROM 'propose' OR proposed_level IS NOT NULL)
);

-- Who assigned, reviewed and validated (internal: account names never leave the database).
CREATE TABLE IF NOT EXISTS round_review_people (
    review_id    INTEGER PRIMARY KEY,
    reviewer     VARCHAR NOT NULL,
    assigned_by  VARCHAR NOT NULL,
    validated_by VARCHAR
);

-- Every version of a review, appended by the writer (internal): who, when, what, and the items after it as JSON.
CREATE TABLE IF NOT EXISTS round_review_history (
    review_id INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    saved_at  TIMESTAMP NOT NULL,
    saved_by  VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    state     VARCHAR NOT NULL,
    items     JSON NOT NULL,
    PRIMARY KEY (review_id, version)
);
