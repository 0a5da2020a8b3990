-- Alliance database schema, core tables. Every file in queries/ddl/ is applied in name order, on build
-- and on opening a database, so each statement must be idempotent (IF NOT EXISTS).
-- Enumerations are CHECK constraints so that a bad row is refused by the database itself.

CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Facts about the dataset itself: whether it is demonstration data, its seed, when it was built.
CREATE TABLE IF NOT EXISTS dataset_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS regions (
    id       VARCHAR PRIMARY KEY CHECK (id IN ('northern', 'western', 'southern', 'eastern')),
    label_en VARCHAR NOT NULL,
    label_fr VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS countries (
    code    VARCHAR PRIMARY KEY CHECK (regexp_full_match(code, '[A-Z]{2}')),
    name_en VARCHAR NOT NULL,
    name_fr VARCHAR NOT NULL,
    region  VARCHAR NOT NULL REFERENCES regions (id)
);

CREATE TABLE IF NOT EXISTS networks (
    id             VARCHAR PRIMARY KEY,
    label_en       VARCHAR NOT NULL,
    label_fr       VARCHAR NOT NULL,
    description_en VARCHAR,
    description_fr VARCHAR
);

CREATE TABLE IF NOT EXISTS members (
    id           VARCHAR PRIMARY KEY CHECK (regexp_full_match(id, '[a-z0-9]+(-[a-z0-9]+)*-[a-z]{2}')),
    name         VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    country_code VARCHAR NOT NULL REFERENCES countries (code),
    kind         VARCHAR NOT NULL CHECK (kind IN ('municipality', 'region', 'association')),
    latitude     DOUBLE NOT NULL CHECK (latitude BETWEEN 27 AND 72),
    longitude    DOUBLE NOT NULL CHECK (longitude BETWEEN -32 AND 45),
    population   INTEGER CHECK (population >= 0),
    joined_on    DATE NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('member', 'observer', 'former')),
    website      VARCHAR,
    geonameid    INTEGER
);

CREATE TABLE IF NOT EXISTS member_networks (
    member_id  VARCHAR NOT NULL REFERENCES members (id),
    network_id VARCHAR NOT NULL REFERENCES networks (id),
    PRIMARY KEY (member_id, network_id)
);

CREATE TABLE IF NOT EXISTS approaches (
    id VARCHAR PRIMARY KEY, label_en VARCHAR NOT NULL, label_fr VARCHAR NOT NULL,
    description_en VARCHAR, description_fr VARCHAR
);
CREATE TABLE IF NOT EXISTS target_groups (
    id VARCHAR PRIMARY KEY, label_en VARCHAR NOT NULL, label_fr VARCHAR NOT NULL,
    description_en VARCHAR, description_fr VARCHAR
);
CREATE TABLE IF NOT EXISTS stakeholders (
    id VARCHAR PRIMARY KEY, label_en VARCHAR NOT NULL, label_fr VARCHAR NOT NULL,
    description_en VARCHAR, description_fr VARCHAR
);

CREATE TABLE IF NOT EXISTS activities (
    id             VARCHAR PRIMARY KEY,
    title          VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    summary        VARCHAR NOT NULL,
    lead_member_id VARCHAR NOT NULL REFERENCES members (id),
    kind           VARCHAR NOT NULL CHECK (kind IN ('practice', 'project', 'training', 'event',
                                                     'exit_programme', 'network', 'tool')),
    start_year     INTEGER CHECK (start_year BETWEEN 1990 AND 2100),
    end_year       INTEGER CHECK (end_year BETWEEN 1990 AND 2100),
    status         VARCHAR NOT NULL CHECK (status IN ('planned', 'ongoing', 'completed', 'archived')),
    evaluation     VARCHAR NOT NULL CHECK (evaluation IN ('none', 'internal', 'external', 'peer_reviewed')),
    source_url     VARCHAR,
    last_updated   DATE NOT NULL,
    -- 'documented': described from public material; 'invented': demonstration content.
    provenance     VARCHAR NOT NULL CHECK (provenance IN ('documented', 'invented')),
    CHECK (end_year IS NULL OR start_year IS NULL OR end_year >= start_year)
);

CREATE TABLE IF NOT EXISTS activity_partners (
    activity_id VARCHAR NOT NULL REFERENCES activities (id),
    member_id   VARCHAR NOT NULL REFERENCES members (id),
    PRIMARY KEY (activity_id, member_id)
);
CREATE TABLE IF NOT EXISTS activity_approaches (
    activity_id VARCHAR NOT NULL REFERENCES activities (id),
    approach_id VARCHAR NOT NULL REFERENCES approaches (id),
    PRIMARY KEY (activity_id, approach_id)
);
CREATE TABLE IF NOT EXISTS activity_target_groups (
    activity_id     VARCHAR NOT NULL REFERENCES activities (id),
    target_group_id VARCHAR NOT NULL REFERENCES target_groups (id),
    PRIMARY KEY (activity_id, target_group_id)
);
CREATE TABLE IF NOT EXISTS activity_stakeholders (
    activity_id    VARCHAR NOT NULL REFERENCES activities (id),
    stakeholder_id VARCHAR NOT NULL REFERENCES stakeholders (id),
    PRIMARY KEY (activity_id, stakeholder_id)
);

-- The self-assessment framework, kept as data.
CREATE TABLE IF NOT EXISTS dimension_groups (
    id         VARCHAR PRIMARY KEY,
    sort_order INTEGER NOT NULL,
    label_en   VARCHAR NOT NULL,
    label_fr   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS dimensions (
    id          INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 99),
    code        VARCHAR NOT NULL UNIQUE,
    group_id    VARCHAR NOT NULL REFERENCES dimension_groups (id),
    weight      DOUBLE NOT NULL CHECK (weight > 0),
    sort_order  INTEGER NOT NULL,
    label_en    VARCHAR NOT NULL,
    label_fr    VARCHAR NOT NULL,
    short_en    VARCHAR NOT NULL,
    short_fr    VARCHAR NOT NULL,
    question_en VARCHAR NOT NULL,
    question_fr VARCHAR NOT NULL
);

-- Which practice approaches help a city progress on a dimension ("who to learn from").
CREATE TABLE IF NOT EXISTS dimension_approaches (
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    approach_id  VARCHAR NOT NULL REFERENCES approaches (id),
    PRIMARY KEY (dimension_id, approach_id)
);

CREATE TABLE IF NOT EXISTS maturity_levels (
    level          INTEGER PRIMARY KEY CHECK (level BETWEEN 0 AND 5),
    label_en       VARCHAR NOT NULL,
    label_fr       VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    description_fr VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS level_descriptors (
    dimension_id  INTEGER NOT NULL REFERENCES dimensions (id),
    level         INTEGER NOT NULL REFERENCES maturity_levels (level),
    descriptor_en VARCHAR NOT NULL,
    descriptor_fr VARCHAR NOT NULL,
    PRIMARY KEY (dimension_id, level)
);

CREATE TABLE IF NOT EXISTS rounds (
    year      INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    opened_on DATE NOT NULL
);

CREATE TABLE IF NOT EXISTS assessments (
    id           INTEGER PRIMARY KEY,  -- allocated by the single writer path
    member_id    VARCHAR NOT NULL REFERENCES members (id),
    round_year   INTEGER NOT NULL REFERENCES rounds (year),
    status       VARCHAR NOT NULL CHECK (status IN ('draft', 'submitted', 'validated')),
    assessed_on  DATE NOT NULL,
    submitted_by VARCHAR,
    provenance   VARCHAR NOT NULL CHECK (provenance IN ('reported', 'invented')),
    UNIQUE (member_id, round_year)
);

CREATE TABLE IF NOT EXISTS assessment_scores (
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
    dimension_id   INTEGER NOT NULL REFERENCES dimensions (id),
    level          INTEGER CHECK (level BETWEEN 0 AND 5),
    not_applicable BOOLEAN NOT NULL DEFAULT false,
    evidence       VARCHAR CHECK (evidence IS NULL OR length(evidence) <= 4000),
    PRIMARY KEY (assessment_id, dimension_id),
    -- an answer is either a level or "not applicable", never both
    CHECK (NOT (not_applicable AND level IS NOT NULL))
);

INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version WHERE version = 1);
