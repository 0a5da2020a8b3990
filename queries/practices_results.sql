-- One page of the filtered practice catalogue, in the chosen order (relevance: the search score, then real,
-- documented practices before invented demonstration entries, then evidence): every activity field (texts in
-- every language included), lead member name, country (code, English and French name), region and population, search score, evidence rank (3 peer-reviewed
-- .. 0 none), staleness, approach / target group / stakeholder / partner id lists and the row's position
-- (the number of matches comes from practices_count or practices_facets).
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
-- @param sort VARCHAR = 'relevance' relevance, updated, newest, oldest, title, city, country or evidence
-- @param lang VARCHAR = 'en' the reader's language: sorting by title uses the title shown in it (else English, else the original)
-- @param limit INTEGER = 20 rows per page
-- @param offset INTEGER = 0 rows to skip
WITH title_codes AS (
    SELECT list(substr(column_name, 7) ORDER BY column_index) AS codes FROM duckdb_columns()
    WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'activities'
      AND regexp_full_match(column_name, 'title_[a-z]{2}')
), page AS (
    -- ordered on narrow rows with a top-N (no full sort), the wide fields joined for these rows only. The order
    -- is written twice on purpose: the inner ORDER BY ... LIMIT is the cheap top-N; the outer row_number
    -- numbers only the page's rows (a window over every match cost 0.25 s at 200,000 rows).
    SELECT id, score, $offset + row_number() OVER (ORDER BY CASE WHEN $sort = 'relevance' THEN score END DESC NULLS LAST,
                     CASE WHEN $sort = 'relevance' THEN provenance = 'invented' END ASC NULLS LAST,
                     CASE WHEN $sort IN ('relevance', 'evidence') THEN evidence_rank END DESC NULLS LAST,
                     CASE WHEN $sort = 'updated' THEN last_updated END DESC NULLS LAST,
                     CASE WHEN $sort = 'newest' THEN start_year END DESC NULLS LAST,
                     CASE WHEN $sort = 'oldest' THEN start_year END ASC NULLS LAST,
                     title_key ASC,
                     CASE WHEN $sort = 'country' THEN country_code END ASC,
                     CASE WHEN $sort IN ('city', 'country') THEN strip_accents(lower(lead_name)) END ASC,
                     last_updated DESC, id) AS position
    FROM (
        SELECT id, score, provenance, evidence_rank, last_updated, start_year, lead_name, country_code,
               -- the title in $lang (the original or its title_<code>), else in English, else the original; the
               -- title_<code> columns come in table order, as duckdb_columns() lists them
               CASE WHEN $sort = 'title' THEN strip_accents(lower(coalesce(
                   CASE WHEN coalesce(original_language, 'en') = $lang THEN nullif(trim(title), '') END,
                   nullif(trim(list_extract([*COLUMNS('^title_[a-z]{2}$')],
                                            list_position((SELECT codes FROM title_codes), $lang))), ''),
                   CASE WHEN coalesce(original_language, 'en') = 'en' THEN nullif(trim(title), '') END,
                   nullif(trim(list_extract([*COLUMNS('^title_[a-z]{2}$')],
                                            list_position((SELECT codes FROM title_codes), 'en'))), ''),
                   title))) END AS title_key
        FROM practice_matches($terms::VARCHAR[], $approaches::VARCHAR[], $target_groups::VARCHAR[], $stakeholders::VARCHAR[],
                 $countries::VARCHAR[], $regions::VARCHAR[], $pop_bands::INTEGER[], $band_bounds::DOUBLE[],
                 $kinds::VARCHAR[], $statuses::VARCHAR[], $evaluations::VARCHAR[], $provenances::VARCHAR[],
                 $freshness::VARCHAR[], $year_from::INTEGER, $year_to::INTEGER, $include_archived::BOOLEAN)
        WHERE misses = 0
        ORDER BY CASE WHEN $sort = 'relevance' THEN score END DESC NULLS LAST,
                 CASE WHEN $sort = 'relevance' THEN provenance = 'invented' END ASC NULLS LAST,
                 CASE WHEN $sort IN ('relevance', 'evidence') THEN evidence_rank END DESC NULLS LAST,
                 CASE WHEN $sort = 'updated' THEN last_updated END DESC NULLS LAST,
                 CASE WHEN $sort = 'newest' THEN start_year END DESC NULLS LAST,
                 CASE WHEN $sort = 'oldest' THEN start_year END ASC NULLS LAST,
                 title_key ASC,
                 CASE WHEN $sort = 'country' THEN country_code END ASC,
                 CASE WHEN $sort IN ('city', 'country') THEN strip_accents(lower(lead_name)) END ASC,
                 last_updated DESC, id
        LIMIT $limit OFFSET $offset
    )
)
SELECT act.*, m.name AS lead_name, m.country_code, c.name_en AS country_name_en, c.name_fr AS country_name_fr, c.name_de AS country_name_de,
       c.region, m.population, page.score,
       CASE act.evaluation WHEN 'peer_reviewed' THEN 3 WHEN 'external' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END
           AS evidence_rank,
       act.last_updated < current_date - INTERVAL 5 YEAR AS stale,
       coalesce(ap.ids, []) AS approaches, coalesce(tg.ids, []) AS target_groups,
       coalesce(sh.ids, []) AS stakeholders, coalesce(pa.ids, []) AS partners,
       page.position
FROM page
JOIN activities act ON act.id = page.id
JOIN members m ON m.id = act.lead_member_id
JOIN countries c ON c.code = m.country_code
LEFT JOIN (SELECT activity_id, list(approach_id ORDER BY approach_id) AS ids FROM activity_approaches
           WHERE activity_id IN (SELECT id FROM page) GROUP BY activity_id) ap ON ap.activity_id = page.id
LEFT JOIN (SELECT activity_id, list(target_group_id ORDER BY target_group_id) AS ids FROM activity_target_groups
           WHERE activity_id IN (SELECT id FROM page) GROUP BY activity_id) tg ON tg.activity_id = page.id
LEFT JOIN (SELECT activity_id, list(stakeholder_id ORDER BY stakeholder_id) AS ids FROM activity_stakeholders
           WHERE activity_id IN (SELECT id FROM page) GROUP BY activity_id) sh ON sh.activity_id = page.id
LEFT JOIN (SELECT activity_id, list(member_id ORDER BY member_id) AS ids FROM activity_partners
           WHERE activity_id IN (SELECT id FROM page) GROUP BY activity_id) pa ON pa.activity_id = page.id
ORDER BY page.position
