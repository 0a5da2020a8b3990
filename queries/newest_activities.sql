-- The most recently started activities that are not archived, newest first: id, title (with original_language
-- and the title_<code> translations), lead member and country, kind, start year, last update and provenance
-- (documented or invented).
-- @param limit INTEGER = 8 how many rows to return
SELECT act.id, act.title, act.original_language, COLUMNS('^title_[a-z]{2}$'), m.id AS member_id,
       m.name AS member_name, m.country_code, act.kind,
       act.start_year, act.last_updated, act.provenance
FROM activities act
JOIN members m ON m.id = act.lead_member_id
WHERE act.status <> 'archived' AND act.start_year <= year(current_date)
ORDER BY act.start_year DESC, act.last_updated DESC, act.id
LIMIT $limit
