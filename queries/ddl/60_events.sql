-- The alliance's events (issue 15): conferences, study visits, webinars and trainings, with their host
-- member, dates, languages, link, the framework dimensions and practice approaches they cover, the practices
-- presented and the live poll held there. Applied on build and on open: idempotent.
CREATE TABLE IF NOT EXISTS events (
    id             VARCHAR PRIMARY KEY CHECK (regexp_full_match(id, '[a-z0-9]+(-[a-z0-9]+)*')),
    title_en       VARCHAR NOT NULL CHECK (length(trim(title_en)) > 0),
    title_fr       VARCHAR NOT NULL CHECK (length(trim(title_fr)) > 0),
    summary_en     VARCHAR,
    summary_fr     VARCHAR,
    kind           VARCHAR NOT NULL CHECK (kind IN ('conference', 'study_visit', 'webinar', 'training')),
    host_member_id VARCHAR NOT NULL REFERENCES members (id),
    place          VARCHAR,  -- where it is held, as written; NULL for an online event
    starts_on      DATE NOT NULL,
    ends_on        DATE NOT NULL,
    languages      VARCHAR[] NOT NULL,  -- ISO 639-1 codes
    url            VARCHAR CHECK (url IS NULL OR regexp_full_match(url, 'https?://\S+')),
    poll_code      VARCHAR,  -- the live poll held there (polls.code), if any
    -- 'documented': a real event described from public material; 'invented': demonstration content.
    provenance     VARCHAR NOT NULL CHECK (provenance IN ('documented', 'invented')),
    CHECK (ends_on >= starts_on)
);

CREATE TABLE IF NOT EXISTS event_dimensions (
    event_id     VARCHAR NOT NULL REFERENCES events (id),
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    PRIMARY KEY (event_id, dimension_id)
);
CREATE TABLE IF NOT EXISTS event_approaches (
    event_id    VARCHAR NOT NULL REFERENCES events (id),
    approach_id VARCHAR NOT NULL REFERENCES approaches (id),
    PRIMARY KEY (event_id, approach_id)
);
-- Practices presented at an event (for a past event: what to read next).
CREATE TABLE IF NOT EXISTS event_practices (
    event_id    VARCHAR NOT NULL REFERENCES events (id),
    activity_id VARCHAR NOT NULL,  -- activities.id; no foreign key: an import may replace activities
    PRIMARY KEY (event_id, activity_id)
);

-- Texts in further languages: title_<code> / summary_<code>, found by name (alliance.events), so a language is
-- two lines here and two seed columns. ALTER ... IF NOT EXISTS also updates a file built before.
ALTER TABLE events ADD COLUMN IF NOT EXISTS title_de VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS summary_de VARCHAR;
