-- Approach x country of the filtered practices: approach id, lead member's country code, English and French
-- country names, number of activities. Only pairs with at least one activity.
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
SELECT aa.approach_id, m.country_code, m.country_name_en, m.country_name_fr, m.country_name_de, count(*) AS activities
FROM practice_matches($terms::VARCHAR[], $approaches::VARCHAR[], $target_groups::VARCHAR[], $stakeholders::VARCHAR[],
                 $countries::VARCHAR[], $regions::VARCHAR[], $pop_bands::INTEGER[], $band_bounds::DOUBLE[],
                 $kinds::VARCHAR[], $statuses::VARCHAR[], $evaluations::VARCHAR[], $provenances::VARCHAR[],
                 $freshness::VARCHAR[], $year_from::INTEGER, $year_to::INTEGER, $include_archived::BOOLEAN) m
JOIN activity_approaches aa ON aa.activity_id = m.id
WHERE m.misses = 0
GROUP BY ALL
ORDER BY aa.approach_id, m.country_code
