-- Who published the catalogue's version of a practice entered in the app, and when: saved_by, saved_at and
-- the evidence label set (one row, or none for a practice that came through an import only).
-- @param id VARCHAR the practice id
SELECT saved_by, saved_at, record ->> 'evaluation' AS evaluation
FROM practice_revisions
WHERE practice_id = $id AND action = 'publish'
ORDER BY revision DESC
LIMIT 1
