-- The import audit log, newest first: id, when (UTC, to the minute), who, channel (cli or admin), files, rows
-- added, updated, unchanged, and when and by whom it was undone (empty when it was not).
-- @param limit INTEGER = 50 how many imports to list
SELECT id, strftime(imported_at, '%Y-%m-%d %H:%M') AS imported_at, imported_by, channel, files, added, updated,
       unchanged, CASE WHEN undone_at IS NOT NULL THEN strftime(undone_at, '%Y-%m-%d %H:%M') || ' · ' || undone_by END AS undone
FROM import_audit
ORDER BY id DESC
LIMIT $limit
