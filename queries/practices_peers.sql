-- Peer exchange, "who to contact": for one approach, the lead members with an established (ongoing or
-- completed) or evaluated practice in it, among the practices that pass the other filters. One row per
-- member: id, name, country, its best practice (id, title with original_language and the title_<code>
-- translations, evaluation, status, provenance, last update), the number of such practices; ranked by evidence (peer-reviewed > external > internal > none), then count.
-- @param terms LIST = NULL search terms, all required (folded in SQL)
-- @param approaches LIST = NULL approach ids (any of)
-- @param target_groups LIST = NULL target group ids (any of)
-- @param stakeholders LIST = NULL stakeholder ids (any of)
-- @param countries LIST = NULL ISO country codes of the lead member
-- @param regions LIST = NULL European region ids of the lead member's country
-- @param pop_bands LIST = NULL population band numbers (0 unknown, k = k-th bound of band_bounds)
-- @param band_bounds LIST = NULL lower bounds of the population bands, ascending
-- @param kinds LIST = NULL activity kinds
-- @param statuses LIST = NULL statuses
-- @param evaluations LIST = NULL evaluation levels
-- @param provenances LIST = NULL documented and/or invented
-- @param freshness LIST = NULL current and/or stale (not updated for 5 years)
-- @param year_from INTEGER = NULL earliest start year
-- @param year_to INTEGER = NULL latest start year
-- @param include_archived BOOLEAN = false whether archived entries count
-- @param approach VARCHAR = 'multi_agency' the approach asked about
-- @param limit INTEGER = 20 how many members
WITH hits AS (
    SELECT * FROM practice_matches($terms::VARCHAR[], $approaches::VARCHAR[], $target_groups::VARCHAR[], $stakeholders::VARCHAR[],
                 $countries::VARCHAR[], $regions::VARCHAR[], $pop_bands::INTEGER[], $band_bounds::DOUBLE[],
                 $kinds::VARCHAR[], $statuses::VARCHAR[], $evaluations::VARCHAR[], $provenances::VARCHAR[],
                 $freshness::VARCHAR[], $year_from::INTEGER, $year_to::INTEGER, $include_archived::BOOLEAN)
    WHERE misses = (NOT ok_approach)::INTEGER
      AND id IN (SELECT activity_id FROM activity_approaches WHERE approach_id = $approach)
      AND (status IN ('ongoing', 'completed') OR evaluation <> 'none')
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY lead_member_id
                                 ORDER BY evidence_rank DESC, last_updated DESC, id) AS nth,
           count(*) OVER (PARTITION BY lead_member_id) AS practices
    FROM hits
)
SELECT lead_member_id AS member_id, lead_name AS member_name, country_code, country_name_en, country_name_fr, country_name_de,
       id AS activity_id, title, original_language, COLUMNS('^title_[a-z]{2}$'), evaluation, evidence_rank, status, provenance, last_updated, stale, practices
FROM ranked
WHERE nth = 1
ORDER BY evidence_rank DESC, practices DESC, last_updated DESC, member_id
LIMIT $limit
