-- Import audit: one row per import written to the database (who, when, which files, how many rows).
CREATE TABLE IF NOT EXISTS import_audit (
    id          INTEGER PRIMARY KEY,
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL CHECK (channel IN ('cli', 'admin')),
    files       VARCHAR NOT NULL,  -- file names, separated by '; '
    added       INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL
);
