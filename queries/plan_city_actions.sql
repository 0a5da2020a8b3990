-- One member's action plan (issue 16), one row per action: id, dimension, the round it started from, target
-- level, what will be done, the responsible service or role, start and due dates, status and its reason,
-- version, last change, provenance, and the linked practices, peer cities and evidence links as lists.
-- Never a person's name (kept in the internal action_contacts). Earliest due first.
-- @param member_id VARCHAR the member's id
SELECT a.id, a.member_id, a.dimension_id, a.from_round, a.target_level, a.description, a.responsible_role,
       a.start_date, a.due_date, a.status, a.status_reason, a.version, a.updated_on, a.provenance,
       coalesce(list(l.target ORDER BY l.target) FILTER (WHERE l.kind = 'practice'), []) AS practices,
       coalesce(list(l.target ORDER BY l.target) FILTER (WHERE l.kind = 'peer'), []) AS peers,
       coalesce(list(l.target ORDER BY l.target) FILTER (WHERE l.kind = 'evidence'), []) AS evidence
FROM actions a
LEFT JOIN action_links l ON l.action_id = a.id
WHERE a.member_id = $member_id
GROUP BY ALL
ORDER BY a.due_date, a.id
