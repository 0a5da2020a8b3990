-- Practices similar to one activity: those sharing approaches and target groups with it, archived ones left
-- out. Per candidate: id, title (with original_language and the title_<code> translations), lead member id
-- and name, country, evaluation, provenance, shared approaches, shared target groups; ranked by overlap (shared / union, approaches and target groups together), then
-- evidence and freshness.
-- @param id VARCHAR = '' the activity
-- @param limit INTEGER = 6 how many
WITH mine AS (
    SELECT 'a:' || approach_id AS tag FROM activity_approaches WHERE activity_id = $id
    UNION ALL SELECT 't:' || target_group_id FROM activity_target_groups WHERE activity_id = $id
), tags AS (
    SELECT activity_id, 'a:' || approach_id AS tag FROM activity_approaches
    UNION ALL SELECT activity_id, 't:' || target_group_id FROM activity_target_groups
), overlap AS (
    SELECT t.activity_id, count(*) FILTER (WHERE t.tag IN (SELECT tag FROM mine)) AS shared, count(*) AS own
    FROM tags t
    WHERE t.activity_id IN (SELECT activity_id FROM tags WHERE tag IN (SELECT tag FROM mine)) AND t.activity_id <> $id
    GROUP BY t.activity_id
)
SELECT act.id, act.title, act.original_language, COLUMNS('^title_[a-z]{2}$'), act.lead_member_id, m.name AS lead_name, m.country_code, act.evaluation, act.provenance,
       act.last_updated < current_date - INTERVAL 5 YEAR AS stale,
       o.shared, o.shared / (o.own + (SELECT count(*) FROM mine) - o.shared) AS similarity,
       list_sort(list_intersect((SELECT list(approach_id) FROM activity_approaches WHERE activity_id = act.id),
                                (SELECT list(approach_id) FROM activity_approaches WHERE activity_id = $id)))
           AS shared_approaches,
       list_sort(list_intersect((SELECT list(target_group_id) FROM activity_target_groups WHERE activity_id = act.id),
                                (SELECT list(target_group_id) FROM activity_target_groups WHERE activity_id = $id)))
           AS shared_target_groups
FROM overlap o
JOIN activities act ON act.id = o.activity_id
JOIN members m ON m.id = act.lead_member_id
WHERE act.status <> 'archived'
ORDER BY similarity DESC, o.shared DESC,
         CASE act.evaluation WHEN 'peer_reviewed' THEN 3 WHEN 'external' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END DESC,
         act.last_updated DESC, act.id
LIMIT $limit
