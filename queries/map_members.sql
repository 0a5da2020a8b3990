-- Members for the map, one row each, filtered: id, name, country (code, English and French name), region,
-- kind, status, latitude, longitude, population, year joined, network ids separated by ';' (a list column
-- costs 0.1 s per cached read at 10,000 members), number of activities it leads or partners in (archived ones
-- left out), and its latest self-assessment (round year and overall index 0-100: weighted mean of level/5*100
-- over the dimensions that apply; drafts do not count; a validated round's levels are those agreed in its review).
-- An empty list parameter means "no filter".
-- @param countries LIST = NULL list of country codes to keep
-- @param regions LIST = NULL list of region ids to keep
-- @param networks LIST = NULL list of network ids: keep members in at least one of them
-- @param statuses LIST = NULL list of member statuses to keep (member, observer, former)
-- @param approaches LIST = NULL list of approach ids: keep members in a current activity with one of them
-- @param pop_min BIGINT = NULL smallest population kept (inclusive)
-- @param pop_max BIGINT = NULL population kept below this (exclusive)
-- @param validated_only BOOLEAN = false only rounds an administrator validated
WITH involvement AS (
    SELECT id AS activity_id, lead_member_id AS member_id FROM activities WHERE status <> 'archived'
    UNION
    SELECT ap.activity_id, ap.member_id
    FROM activity_partners ap JOIN activities act ON act.id = ap.activity_id
    WHERE act.status <> 'archived'
),
activity_counts AS (
    SELECT member_id, count(*) AS activities FROM involvement GROUP BY member_id
),
member_network_lists AS (
    SELECT member_id, list(network_id ORDER BY network_id) AS networks FROM member_networks GROUP BY member_id
),
latest AS (
    SELECT member_id, id AS assessment_id, round_year, status
    FROM assessments
    WHERE status <> 'draft' AND (NOT $validated_only OR status = 'validated')
    QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY round_year DESC) = 1
),
latest_index AS (
    SELECT l.member_id, l.round_year,
           sum(d.weight * CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END / 5.0 * 100) / nullif(sum(d.weight), 0) AS overall_index
    FROM latest l
    JOIN assessment_scores s ON s.assessment_id = l.assessment_id
    -- a validated round counts with the levels agreed in its review, the city's answers otherwise
    LEFT JOIN round_reviews rv ON rv.assessment_id = l.assessment_id AND rv.state = 'validated' AND l.status = 'validated'
    LEFT JOIN round_review_items ri ON ri.review_id = rv.id AND ri.dimension_id = s.dimension_id
    JOIN dimensions d ON d.id = s.dimension_id
    WHERE NOT CASE WHEN ri.review_id IS NULL THEN s.not_applicable ELSE ri.agreed_not_applicable END AND CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END IS NOT NULL
    GROUP BY ALL
)
SELECT m.id, m.name, m.country_code, c.name_en AS country_en, c.name_fr AS country_fr, c.name_de AS country_de, c.region,
       m.kind, m.status, m.latitude, m.longitude, m.population, year(m.joined_on) AS joined_year,
       array_to_string(coalesce(n.networks, []::VARCHAR[]), ';') AS networks,
       coalesce(ac.activities, 0) AS activities,
       li.round_year AS latest_round, li.overall_index
FROM members m
JOIN countries c ON c.code = m.country_code
LEFT JOIN member_network_lists n ON n.member_id = m.id
LEFT JOIN activity_counts ac ON ac.member_id = m.id
LEFT JOIN latest l ON l.member_id = m.id
LEFT JOIN latest_index li ON li.member_id = m.id
WHERE (coalesce(len($countries::VARCHAR[]), 0) = 0 OR list_contains($countries::VARCHAR[], m.country_code))
  AND (coalesce(len($regions::VARCHAR[]), 0) = 0 OR list_contains($regions::VARCHAR[], c.region))
  AND (coalesce(len($statuses::VARCHAR[]), 0) = 0 OR list_contains($statuses::VARCHAR[], m.status))
  AND (coalesce(len($networks::VARCHAR[]), 0) = 0
       OR len(list_intersect(coalesce(n.networks, []::VARCHAR[]), $networks::VARCHAR[])) > 0)
  AND (coalesce(len($approaches::VARCHAR[]), 0) = 0
       OR m.id IN (SELECT i.member_id FROM involvement i
                   JOIN activity_approaches aa ON aa.activity_id = i.activity_id
                   WHERE list_contains($approaches::VARCHAR[], aa.approach_id)))
  AND ($pop_min IS NULL OR m.population >= $pop_min)
  AND ($pop_max IS NULL OR m.population < $pop_max)
ORDER BY m.population DESC NULLS LAST, m.id
