-- The newest writes made in the app (app_audit): at, username, action, object_kind, object_id, detail.
-- @param kind VARCHAR = NULL only this kind of record (e.g. practice; NULL: all)
-- @param max_rows INTEGER = 50 how many rows
SELECT done_at, username, action, object_kind, object_id, detail
FROM app_audit
WHERE $kind IS NULL OR object_kind = $kind
ORDER BY id DESC
LIMIT $max_rows
