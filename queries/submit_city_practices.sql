-- Every practice a member leads, published or only written in the app: id, title (the newest version's),
-- state (the newest revision's; 'published' for a catalogue practice never edited in the app). By title.
-- @param city VARCHAR the lead member's id
WITH written AS (
    SELECT practice_id AS id, record ->> 'title' AS title, state
    FROM practice_revisions WHERE member_id = $city
    QUALIFY row_number() OVER (PARTITION BY practice_id ORDER BY revision DESC) = 1
)
SELECT id, title, state FROM written
UNION ALL
SELECT id, title, 'published' FROM activities
WHERE lead_member_id = $city AND id NOT IN (SELECT id FROM written)
ORDER BY lower(title), id
