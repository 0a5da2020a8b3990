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

-- An undone import keeps its row, marked with when and by whom.
ALTER TABLE import_audit ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP;
ALTER TABLE import_audit ADD COLUMN IF NOT EXISTS undone_by VARCHAR;

-- What each import changed, so that it can be undone (alliance/undo.py): the rows it added, the rows it
-- updated (before and after), the list rows it added or removed; rows_json holds them as a JSON array.
CREATE TABLE IF NOT EXISTS import_undo (
    audit_id   INTEGER NOT NULL,
    step       INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    action     VARCHAR NOT NULL CHECK (action IN ('inserted', 'updated_before', 'updated_after',
                                                  'bridge_added', 'bridge_removed')),
    rows_json  VARCHAR NOT NULL,
    PRIMARY KEY (audit_id, step)
);
