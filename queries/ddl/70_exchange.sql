-- Offers and needs (issue 15): what a city can give (a study visit, mentoring, a training, materials, a talk)
-- and what it is looking for, matched through the self-assessment; exchange requests between two cities; the
-- offering city's contact person. Applied on build and on open: idempotent.
-- offers, needs and their lists are public (data/dictionary.csv: exported, in the sandbox and the API);
-- exchange_requests and exchange_contacts are not (marked private there): only counts of requests leave.

-- What a city offers. state: published (listed), withdrawn (no longer offered; kept for the counts).
-- version: raised by every save, so that a second, concurrent save is refused (alliance.exchange).
CREATE TABLE IF NOT EXISTS offers (
    id             VARCHAR PRIMARY KEY CHECK (regexp_full_match(id, '[a-z0-9]+(-[a-z0-9]+)*')),
    member_id      VARCHAR NOT NULL REFERENCES members (id),
    kind           VARCHAR NOT NULL CHECK (kind IN ('study_visit', 'mentoring', 'training', 'materials', 'speaking')),
    title          VARCHAR NOT NULL CHECK (length(trim(title)) > 0 AND length(title) <= 200),
    summary        VARCHAR CHECK (summary IS NULL OR length(summary) <= 1500),
    languages      VARCHAR[] NOT NULL,  -- ISO 639-1 codes
    available_from DATE,
    available_to   DATE,
    state          VARCHAR NOT NULL CHECK (state IN ('published', 'withdrawn')),
    -- 'documented': written by the city in the app; 'invented': demonstration content.
    provenance     VARCHAR NOT NULL CHECK (provenance IN ('documented', 'invented')),
    updated_on     DATE NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    CHECK (available_to IS NULL OR available_from IS NULL OR available_to >= available_from)
);
CREATE TABLE IF NOT EXISTS offer_dimensions (
    offer_id     VARCHAR NOT NULL REFERENCES offers (id),
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    PRIMARY KEY (offer_id, dimension_id)
);
CREATE TABLE IF NOT EXISTS offer_approaches (
    offer_id    VARCHAR NOT NULL REFERENCES offers (id),
    approach_id VARCHAR NOT NULL REFERENCES approaches (id),
    PRIMARY KEY (offer_id, approach_id)
);

-- What a city is looking for. from_assessment: proposed from the city's weakest dimensions in round_year's
-- self-assessment (true) or written by the city itself (false). state: open, closed.
CREATE TABLE IF NOT EXISTS needs (
    id              VARCHAR PRIMARY KEY CHECK (regexp_full_match(id, '[a-z0-9]+(-[a-z0-9]+)*')),
    member_id       VARCHAR NOT NULL REFERENCES members (id),
    summary         VARCHAR NOT NULL CHECK (length(trim(summary)) > 0 AND length(summary) <= 1500),
    from_assessment BOOLEAN NOT NULL,
    round_year      INTEGER,
    state           VARCHAR NOT NULL CHECK (state IN ('open', 'closed')),
    provenance      VARCHAR NOT NULL CHECK (provenance IN ('documented', 'invented')),
    updated_on      DATE NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1)
);
CREATE TABLE IF NOT EXISTS need_dimensions (
    need_id      VARCHAR NOT NULL REFERENCES needs (id),
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    PRIMARY KEY (need_id, dimension_id)
);

-- A city's interest in another city's offer: proposed -> accepted -> done, or declined (by either side while
-- proposed or accepted). Each step keeps its date and who took it. Not public (the message is a person's text);
-- only counts per dimension and per pair of countries are shown.
CREATE TABLE IF NOT EXISTS exchange_requests (
    id                   INTEGER PRIMARY KEY,
    offer_id             VARCHAR NOT NULL,  -- offers.id; no foreign key, so that an import may replace offers
    need_id              VARCHAR,           -- the need it answers, if any
    requesting_member_id VARCHAR NOT NULL REFERENCES members (id),
    offering_member_id   VARCHAR NOT NULL REFERENCES members (id),
    message              VARCHAR CHECK (message IS NULL OR length(message) <= 1500),
    state                VARCHAR NOT NULL CHECK (state IN ('proposed', 'accepted', 'done', 'declined')),
    proposed_at          TIMESTAMP NOT NULL,
    proposed_by          VARCHAR NOT NULL,
    accepted_at          TIMESTAMP,
    accepted_by          VARCHAR,
    done_at              TIMESTAMP,
    done_by              VARCHAR,
    declined_at          TIMESTAMP,
    declined_by          VARCHAR,
    provenance           VARCHAR NOT NULL CHECK (provenance IN ('documented', 'invented')),
    version              INTEGER NOT NULL CHECK (version >= 1),
    CHECK (requesting_member_id <> offering_member_id)
);

-- The offering city's contact person for one offer: personal data. Shown only to signed-in editors and admins;
-- never exported, never in the SQL sandbox or the API. Deleted with its offer's withdrawal (README, Retention).
CREATE TABLE IF NOT EXISTS exchange_contacts (
    offer_id   VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL CHECK (length(trim(name)) > 0 AND length(name) <= 120),
    role       VARCHAR CHECK (role IS NULL OR length(role) <= 120),
    email      VARCHAR NOT NULL CHECK (regexp_full_match(email, '[^@\s]+@[^@\s]+\.[^@\s]+') AND length(email) <= 200),
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
