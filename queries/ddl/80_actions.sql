-- Action plans (issue 16): what a city commits to do about a dimension after a round, who is responsible
-- (a service or role), when, and how it is going. Written only by alliance.actions (the single writer).
-- `actions` and `action_links` are public (data/dictionary.csv: exported, in the SQL sandbox); the optional
-- person's name and the history (usernames) are internal tables, never exported nor copied into the sandbox.

-- One action of a city's plan. `from_round` is the round the action started from: the level before is the
-- city's level on the dimension in that round, the level after its level in the city's next round.
CREATE TABLE IF NOT EXISTS actions (
    id               INTEGER PRIMARY KEY,  -- allocated by the single writer
    member_id        VARCHAR NOT NULL REFERENCES members (id),
    dimension_id     INTEGER NOT NULL REFERENCES dimensions (id),
    from_round       INTEGER REFERENCES rounds (year),
    target_level     INTEGER NOT NULL CHECK (target_level BETWEEN 1 AND 5),
    description      VARCHAR NOT NULL CHECK (length(trim(description)) > 0),
    responsible_role VARCHAR NOT NULL CHECK (length(trim(responsible_role)) > 0),
    start_date       DATE NOT NULL,
    due_date         DATE NOT NULL,
    status           VARCHAR NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'late', 'done',
                                                        'dropped')),
    status_reason    VARCHAR,
    version          INTEGER NOT NULL CHECK (version >= 1),
    updated_on       DATE NOT NULL,
    -- 'reported': written by the city; 'invented': demonstration content
    provenance       VARCHAR NOT NULL CHECK (provenance IN ('reported', 'invented')),
    CHECK (due_date >= start_date)
);

-- Links of an action: practices of the catalogue and peer cities it learns from, and evidence (web links).
CREATE TABLE IF NOT EXISTS action_links (
    action_id INTEGER NOT NULL REFERENCES actions (id),
    kind      VARCHAR NOT NULL CHECK (kind IN ('practice', 'peer', 'evidence')),
    target    VARCHAR NOT NULL CHECK (length(trim(target)) > 0),  -- activity id, member id or http(s) link
    PRIMARY KEY (action_id, kind, target)
);

-- Internal: the name of a person the city chose to name as responsible (optional). Never exported.
CREATE TABLE IF NOT EXISTS action_contacts (
    action_id   INTEGER PRIMARY KEY,
    person_name VARCHAR NOT NULL CHECK (length(trim(person_name)) > 0)
);

-- Internal: every version of an action, appended by the writer: who, when, and what changed
-- (changes: JSON [{"field", "before", "after"}]). Never exported (usernames).
CREATE TABLE IF NOT EXISTS action_history (
    action_id  INTEGER NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    change     VARCHAR NOT NULL CHECK (change IN ('create', 'update')),
    changes    JSON NOT NULL,
    PRIMARY KEY (action_id, version)
);
