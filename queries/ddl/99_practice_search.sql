-- Brings activity_search (40_practices.sql) up to date: drops the rows whose activity is gone or whose texts or
-- lead member's name changed since they were folded, then folds the activities that have no row. Last in name
-- order, so that every text column is there; also run by alliance.db.refresh_search after a build, an import or
-- an undo.
DELETE FROM activity_search WHERE id IN (
    SELECT s.id FROM activity_search s
    ANTI JOIN practice_text_hashes() h ON h.id = s.id AND h.source_hash = s.source_hash);
INSERT INTO activity_search (id, source_hash, f_title, f_summary, f_city)
SELECT id, source_hash, f_title, f_summary, f_city
FROM practice_texts((SELECT list(id) FROM activities WHERE id NOT IN (SELECT id FROM activity_search)));
