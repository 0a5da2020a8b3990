-- Activities (not archived) that the given members lead or take part in, one row per (member, activity,
-- approach): member id, activity id, approach id, title (with original_language and the title_<code>
-- translations), kind, status, evaluation, provenance, and whether the member leads it.
-- @param member_ids VARCHAR[] the members' ids
WITH wanted AS (SELECT DISTINCT unnest($member_ids) AS member_id),
involved AS (
    SELECT id AS activity_id, lead_member_id AS member_id, true AS leads FROM activities
    WHERE lead_member_id IN (SELECT member_id FROM wanted)
    UNION ALL
    SELECT activity_id, member_id, false FROM activity_partners WHERE member_id IN (SELECT member_id FROM wanted)
)
SELECT i.member_id, i.activity_id, aa.approach_id, act.title, act.original_language,
       COLUMNS('^title_[a-z]{2}$'), act.kind, act.status, act.evaluation,
       act.provenance, i.leads
FROM involved i
JOIN activities act ON act.id = i.activity_id
JOIN activity_approaches aa ON aa.activity_id = i.activity_id
WHERE act.status <> 'archived'
ORDER BY i.member_id, act.evaluation = 'peer_reviewed' DESC, act.evaluation = 'external' DESC, act.title
