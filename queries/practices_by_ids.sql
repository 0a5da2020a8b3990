-- Full records of the given activities (detail and comparison): every activity field, lead member name,
-- country and region, staleness, and approach / target group / stakeholder / partner id lists, plus the
-- partners' names (a list of structs id, name). Unknown ids are simply missing from the result.
-- @param ids LIST = NULL activity ids
SELECT act.*, m.name AS lead_name, m.country_code, c.name_en AS country_name_en, c.name_fr AS country_name_fr, c.name_de AS country_name_de,
       c.region, m.population, act.last_updated < current_date - INTERVAL 5 YEAR AS stale,
       coalesce((SELECT list(approach_id ORDER BY approach_id) FROM activity_approaches x
                 WHERE x.activity_id = act.id), []) AS approaches,
       coalesce((SELECT list(target_group_id ORDER BY target_group_id) FROM activity_target_groups x
                 WHERE x.activity_id = act.id), []) AS target_groups,
       coalesce((SELECT list(stakeholder_id ORDER BY stakeholder_id) FROM activity_stakeholders x
                 WHERE x.activity_id = act.id), []) AS stakeholders,
       coalesce((SELECT list(x.member_id ORDER BY x.member_id) FROM activity_partners x
                 WHERE x.activity_id = act.id), []) AS partners,
       coalesce((SELECT list({'id': pm.id, 'name': pm.name, 'country_code': pm.country_code} ORDER BY pm.name)
                 FROM activity_partners x JOIN members pm ON pm.id = x.member_id
                 WHERE x.activity_id = act.id), []) AS partner_members
FROM activities act
JOIN members m ON m.id = act.lead_member_id
JOIN countries c ON c.code = m.country_code
WHERE list_contains(coalesce($ids::VARCHAR[], []), act.id)
ORDER BY list_position($ids::VARCHAR[], act.id)
