-- The import audit log, newest first: id, when, who, channel (cli or admin), files, rows added, updated,
-- unchanged, and when and by whom it was undone.
-- @param limit INTEGER = 50 how many imports to list
SELECT id, imported_at, imported_by, channel, files, added, updated, unchanged, undone_at, undone_by
FROM import_audit
ORDER BY id DESC
LIMIT $limit
