-- The catalogue's practices an action may learn from (archived ones left out): those led by the given members
-- (the city itself and the peers it learns from) and the given practices (already linked), at most 300: id,
-- title in its original language and its translations, the lead member's id and name. Sorted by title.
-- Not the whole catalogue: at 250,000 practices the form's list alone took over a second a view.
-- @param member_ids LIST = NULL members whose practices are offered
-- @param ids LIST = NULL practices always offered (already linked)
SELECT act.id, act.title, act.original_language, COLUMNS('^title_[a-z]{2}$'), act.lead_member_id, m.name AS lead_name
FROM activities act
JOIN members m ON m.id = act.lead_member_id
WHERE act.status <> 'archived'
  AND (list_contains(coalesce($member_ids::VARCHAR[], []), act.lead_member_id)
       OR list_contains(coalesce($ids::VARCHAR[], []), act.id))
ORDER BY list_contains(coalesce($ids::VARCHAR[], []), act.id) DESC, act.title
LIMIT 300
