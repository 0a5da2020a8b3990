-- Facet counts of the practice catalogue: for every facet (approach, target_group, stakeholder, country,
-- region, pop_band, kind, status, evaluation, provenance, freshness) and value, how many activities match all
-- the other active filters (the facet's own selection left out, as in Datasette). Values with no match are
-- left out; the page shows them with 0. Also facet 'all' with value 'matches': the filtered count.
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
WITH m AS (
    SELECT id, country_code, region, pop_band, kind, status, evaluation, provenance, stale, misses, ok_approach,
           ok_target, ok_stakeholder, ok_country, ok_region, ok_pop, ok_kind, ok_status, ok_evaluation,
           ok_provenance, ok_freshness
    FROM practice_matches($terms::VARCHAR[], $approaches::VARCHAR[], $target_groups::VARCHAR[], $stakeholders::VARCHAR[],
                 $countries::VARCHAR[], $regions::VARCHAR[], $pop_bands::INTEGER[], $band_bounds::DOUBLE[],
                 $kinds::VARCHAR[], $statuses::VARCHAR[], $evaluations::VARCHAR[], $provenances::VARCHAR[],
                 $freshness::VARCHAR[], $year_from::INTEGER, $year_to::INTEGER, $include_archived::BOOLEAN)
)
SELECT 'all' AS facet, 'matches' AS value, count(*) AS n FROM m WHERE misses = 0
UNION ALL
SELECT 'approach', aa.approach_id, count(*) FROM m JOIN activity_approaches aa ON aa.activity_id = m.id
WHERE misses = (NOT ok_approach)::INTEGER GROUP BY ALL
UNION ALL
SELECT 'target_group', tg.target_group_id, count(*) FROM m JOIN activity_target_groups tg ON tg.activity_id = m.id
WHERE misses = (NOT ok_target)::INTEGER GROUP BY ALL
UNION ALL
SELECT 'stakeholder', sh.stakeholder_id, count(*) FROM m JOIN activity_stakeholders sh ON sh.activity_id = m.id
WHERE misses = (NOT ok_stakeholder)::INTEGER GROUP BY ALL
UNION ALL
-- the facets of the activity's own fields in one pass over m: each row gives one (facet, value) per facet,
-- counted where that facet is the row's only miss, if any (eight grouped passes held 30 MB more at scale)
SELECT f.facet, f.value, count(*) FROM (
    SELECT unnest([{'facet': 'country', 'value': country_code, 'ok': misses = (NOT ok_country)::INTEGER},
                   {'facet': 'region', 'value': region, 'ok': misses = (NOT ok_region)::INTEGER},
                   {'facet': 'pop_band', 'value': pop_band::VARCHAR, 'ok': misses = (NOT ok_pop)::INTEGER},
                   {'facet': 'kind', 'value': kind, 'ok': misses = (NOT ok_kind)::INTEGER},
                   {'facet': 'status', 'value': status, 'ok': misses = (NOT ok_status)::INTEGER},
                   {'facet': 'evaluation', 'value': evaluation, 'ok': misses = (NOT ok_evaluation)::INTEGER},
                   {'facet': 'provenance', 'value': provenance, 'ok': misses = (NOT ok_provenance)::INTEGER},
                   {'facet': 'freshness', 'value': CASE WHEN stale THEN 'stale' ELSE 'current' END,
                    'ok': misses = (NOT ok_freshness)::INTEGER}]) AS f
    FROM m
) WHERE f.ok GROUP BY ALL
