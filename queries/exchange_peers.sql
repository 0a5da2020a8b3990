-- Peers to learn from on one dimension: members other than $member_id at $min_level or above in it in their
-- latest self-assessment that is not a draft, that lead or take part in published practices (not archived) in
-- the approaches the dimension maps to. Per peer: id, name, country, region, population, level, round, the
-- number of those practices and the ids of up to three (peer-reviewed and evaluated ones first).
-- @param dimension_id INTEGER = 1 the dimension
-- @param member_id VARCHAR = NULL the member looking for peers (left out)
-- @param min_level INTEGER = 4 the lowest level that counts as strong
WITH latest AS (
    SELECT a.id, a.member_id, a.round_year,
           row_number() OVER (PARTITION BY a.member_id ORDER BY a.round_year DESC) AS n
    FROM assessments a WHERE a.status <> 'draft'
),
strong AS (
    SELECT l.member_id, l.round_year, s.level
    FROM latest l JOIN assessment_scores s ON s.assessment_id = l.id
    WHERE l.n = 1 AND s.dimension_id = $dimension_id AND s.level >= $min_level
      AND l.member_id IS DISTINCT FROM $member_id
),
involved AS (  -- only the strong members' leads and partnerships (a union of all of them: 10-20 % slower at scale)
    SELECT id AS activity_id, lead_member_id AS member_id FROM activities
    WHERE lead_member_id IN (SELECT member_id FROM strong)
    UNION ALL
    SELECT activity_id, member_id FROM activity_partners WHERE member_id IN (SELECT member_id FROM strong)
),
practices AS (
    SELECT DISTINCT i.member_id, act.id, act.evaluation
    FROM involved i
    JOIN activities act ON act.id = i.activity_id
    JOIN activity_approaches aa ON aa.activity_id = act.id
    JOIN dimension_approaches da ON da.approach_id = aa.approach_id AND da.dimension_id = $dimension_id
    WHERE act.status <> 'archived'
)
SELECT s.member_id, m.name, m.country_code, c.region, m.population, s.level, s.round_year,
       count(*) AS n_practices,
       list(p.id ORDER BY p.evaluation = 'peer_reviewed' DESC, p.evaluation = 'external' DESC, p.id)[1:3]
           AS practice_ids
FROM strong s
JOIN practices p ON p.member_id = s.member_id
JOIN members m ON m.id = s.member_id
JOIN countries c ON c.code = m.country_code
GROUP BY ALL
ORDER BY s.member_id
