-- The catalogue's practices an action may learn from (archived ones left out): id, title in its original
-- language and its translations, the lead member's id and name. Sorted by title.
SELECT act.id, act.title, act.original_language, COLUMNS('^title_[a-z]{2}$'), act.lead_member_id, m.name AS lead_name
FROM activities act
JOIN members m ON m.id = act.lead_member_id
WHERE act.status <> 'archived'
ORDER BY act.title
