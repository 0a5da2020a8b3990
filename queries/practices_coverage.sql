-- Which approaches each city practises, for the cities with the most filtered practices: member id, name,
-- country code, approach id, activities (0 where the city has none in that approach, so gaps show), the
-- city's total and the number of cities in the filtered set.
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
-- @param max_cities INTEGER = 30 how many cities (most practices first)
WITH hits AS (SELECT id, lead_member_id, lead_name, country_code FROM practice_matches($terms::VARCHAR[], $approaches::VARCHAR[], $target_groups::VARCHAR[], $stakeholders::VARCHAR[],
                 $countries::VARCHAR[], $regions::VARCHAR[], $pop_bands::INTEGER[], $band_bounds::DOUBLE[],
                 $kinds::VARCHAR[], $statuses::VARCHAR[], $evaluations::VARCHAR[], $provenances::VARCHAR[],
                 $freshness::VARCHAR[], $year_from::INTEGER, $year_to::INTEGER, $include_archived::BOOLEAN) WHERE misses = 0),
cities AS (
    SELECT lead_member_id AS member_id, any_value(lead_name) AS name, any_value(country_code) AS country_code,
           count(*) AS city_total, count(*) OVER () AS cities_in_set
    FROM hits GROUP BY lead_member_id
    ORDER BY city_total DESC, member_id
    LIMIT $max_cities
),
pairs AS (
    SELECT h.lead_member_id AS member_id, aa.approach_id, count(*) AS activities
    FROM hits h JOIN activity_approaches aa ON aa.activity_id = h.id
    WHERE h.lead_member_id IN (SELECT member_id FROM cities)
    GROUP BY ALL
)
SELECT c.member_id, c.name, c.country_code, a.id AS approach_id, coalesce(p.activities, 0) AS activities,
       c.city_total, c.cities_in_set
FROM cities c CROSS JOIN approaches a
LEFT JOIN pairs p ON p.member_id = c.member_id AND p.approach_id = a.id
ORDER BY c.city_total DESC, c.member_id, a.id
