-- The practice catalogue's one filter, as a table macro so that every practices_*.sql query filters the same
-- way. practice_matches(...) returns every activity that passes the archive switch, the year range and the
-- search terms (all terms required), with the search score and one ok_* flag per facet, and `misses`, the
-- number of facets the activity fails. The filtered set is `misses = 0`; the count of an option of facet X
-- "under the other filters" counts the activities whose only failed facet, if any, is X.
-- Lists may be NULL (no filter). Search terms are folded here (strip_accents(lower())) and matched against
-- the folded titles, lead member name and summaries (no regexp: it costs ten times more at 250,000 rows).
-- Titles and summaries are searched in every language at once: `title` plus every title_<code> column
-- (05_activity_languages.sql), found by name with COLUMNS(), so a new language column is searched as it comes.
-- The folded titles are joined with ' | ' (never part of a search word) so that a phrase cannot run from one
-- language into the next and "the title is exactly the phrase" still means one whole title.
-- pop_bands are band numbers: 0 unknown population, k the k-th lower bound of band_bounds (ascending).
-- The folded, non-empty search terms. Written inline (not a CTE) so that DuckDB folds it to a constant and,
-- without search, never reads or folds titles and summaries.
CREATE OR REPLACE MACRO practice_terms(terms) AS
    list_filter(list_transform(coalesce(terms, []), lambda t: trim(strip_accents(lower(t)))), lambda t: t <> '');

-- Folding accented text is slow in DuckDB (strip_accents takes about 30 µs for a French summary: 8 s for 250,000
-- of them, against 0.2 s for English), so the folded titles and summaries are kept in activity_search (derived
-- data, not exported). 99_practice_search.sql brings it up to date on every open of the database (a row whose
-- texts changed, by hash, is folded again), and builds, imports and undos run it as they write
-- (alliance.db.refresh_search). A row missing from it is folded on the fly, so the search never misses one.
CREATE TABLE IF NOT EXISTS activity_search (
    id          VARCHAR PRIMARY KEY,
    source_hash UBIGINT NOT NULL,
    f_title     VARCHAR NOT NULL,
    f_summary   VARCHAR NOT NULL
);
-- the lead member's folded name, ' ' around, so that a search reads one table and joins only the matching ids
-- (joining every folded text to the activities cost 260 MB at 250,000 rows); in the hash, so a rename refolds
ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS f_city VARCHAR;

-- The hash of each activity's texts and lead member's name; and, for the given ids, that hash and the folded
-- titles (' | ' around and between), lead member name (' ' around) and summaries.
CREATE OR REPLACE MACRO practice_text_hashes() AS TABLE
SELECT id, hash(title, summary, *COLUMNS('^(title|summary)_[a-z]{2}$'),
                (SELECT name FROM members WHERE members.id = lead_member_id)) AS source_hash
FROM activities;
CREATE OR REPLACE MACRO practice_texts(ids) AS TABLE
SELECT id, hash(title, summary, *COLUMNS('^(title|summary)_[a-z]{2}$'),
                (SELECT name FROM members WHERE members.id = lead_member_id)) AS source_hash,
       ' | ' || strip_accents(lower(concat_ws(' | ', title, *COLUMNS('^title_[a-z]{2}$')))) || ' | ' AS f_title,
       strip_accents(lower(concat_ws(' | ', summary, *COLUMNS('^summary_[a-z]{2}$')))) AS f_summary,
       ' ' || strip_accents(lower(coalesce((SELECT name FROM members WHERE members.id = lead_member_id), ''))) || ' '
           AS f_city
FROM activities
WHERE id IN (SELECT unnest(ids));

-- The activities every search term is found in (title, lead member name or summary), with their score. Reads
-- activity_search alone (streamed, nothing held), plus the rare rows it lacks, folded here as practice_texts
-- does; empty without search terms.
CREATE OR REPLACE MACRO practice_hits(terms) AS TABLE
WITH texts AS (
    SELECT id, f_title, f_city, f_summary FROM activity_search
    WHERE len(practice_terms(terms)) > 0 AND f_city IS NOT NULL
    UNION ALL
    SELECT id, f_title, f_city, f_summary
    FROM practice_texts((SELECT list(id) FROM activities
                         WHERE len(practice_terms(terms)) > 0
                           AND id NOT IN (SELECT id FROM activity_search WHERE f_city IS NOT NULL)))
), folded AS (
    SELECT id, f_title, f_city, f_title || f_city || f_summary AS f_all FROM texts
)
-- score: per term 10 in a title, +4 at a word start there, 6 in the city name, 2 anywhere (the summary);
-- the whole phrase +15 in a title, +5 anywhere; +20 when a title (in any language) is exactly the phrase.
SELECT id,
       list_sum(list_transform(practice_terms(terms), lambda t:
             CASE WHEN contains(f_title, t) THEN 10 ELSE 0 END
           + CASE WHEN contains(f_title, ' ' || t) THEN 4 ELSE 0 END
           + CASE WHEN contains(f_city, ' ' || t) THEN 6 ELSE 0 END
           + CASE WHEN contains(f_all, t) THEN 2 ELSE 0 END))
       + CASE WHEN len(practice_terms(terms)) > 1
               AND contains(f_title, array_to_string(practice_terms(terms), ' ')) THEN 15 ELSE 0 END
       + CASE WHEN len(practice_terms(terms)) > 1
               AND contains(f_all, array_to_string(practice_terms(terms), ' ')) THEN 5 ELSE 0 END
       + CASE WHEN contains(f_title, '| ' || array_to_string(practice_terms(terms), ' ') || ' |') THEN 20 ELSE 0 END
           AS score
FROM folded
WHERE list_bool_and(list_transform(practice_terms(terms), lambda t: contains(f_all, t)));

CREATE OR REPLACE MACRO practice_matches(terms, approaches, target_groups, stakeholders, countries, regions,
                                         pop_bands, band_bounds, kinds, statuses, evaluations, provenances,
                                         freshness, year_from, year_to, include_archived) AS TABLE
WITH base AS (
    SELECT act.id, act.title, act.summary, act.lead_member_id, m.name AS lead_name, m.country_code,
           c.name_en AS country_name_en, c.name_fr AS country_name_fr, c.name_de AS country_name_de, c.region, m.population,
           len(list_filter(coalesce(band_bounds, []), lambda b: b <= m.population)) AS pop_band,
           act.kind, act.status, act.evaluation, act.provenance, act.start_year, act.end_year, act.last_updated,
           act.source_url, act.last_updated < current_date - INTERVAL 5 YEAR AS stale,
           CASE act.evaluation WHEN 'peer_reviewed' THEN 3 WHEN 'external' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END
               AS evidence_rank,
           act.original_language, COLUMNS('^(title|summary)_[a-z]{2}$')
    FROM activities act
    JOIN members m ON m.id = act.lead_member_id
    JOIN countries c ON c.code = m.country_code
    WHERE (coalesce(include_archived, false) OR act.status <> 'archived')
      AND (year_from IS NULL OR act.start_year >= year_from)
      AND (year_to IS NULL OR act.start_year <= year_to)
), searched AS (
    -- the hits are narrow (id, score): the join holds them, never the texts
    SELECT b.*, coalesce(h.score, 0) AS score
    FROM base b
    LEFT JOIN practice_hits(terms) h ON h.id = b.id
    WHERE len(practice_terms(terms)) = 0 OR h.id IS NOT NULL
), flagged AS (
    SELECT s.*,
           (len(coalesce(approaches, [])) = 0 OR s.id IN (
               SELECT activity_id FROM activity_approaches
               WHERE len(coalesce(approaches, [])) > 0 AND list_contains(approaches, approach_id))) AS ok_approach,
           (len(coalesce(target_groups, [])) = 0 OR s.id IN (
               SELECT activity_id FROM activity_target_groups
               WHERE len(coalesce(target_groups, [])) > 0 AND list_contains(target_groups, target_group_id)))
               AS ok_target,
           (len(coalesce(stakeholders, [])) = 0 OR s.id IN (
               SELECT activity_id FROM activity_stakeholders
               WHERE len(coalesce(stakeholders, [])) > 0 AND list_contains(stakeholders, stakeholder_id)))
               AS ok_stakeholder,
           (len(coalesce(countries, [])) = 0 OR list_contains(countries, s.country_code)) AS ok_country,
           (len(coalesce(regions, [])) = 0 OR list_contains(regions, s.region)) AS ok_region,
           (len(coalesce(pop_bands, [])) = 0 OR list_contains(pop_bands, s.pop_band)) AS ok_pop,
           (len(coalesce(kinds, [])) = 0 OR list_contains(kinds, s.kind)) AS ok_kind,
           (len(coalesce(statuses, [])) = 0 OR list_contains(statuses, s.status)) AS ok_status,
           (len(coalesce(evaluations, [])) = 0 OR list_contains(evaluations, s.evaluation)) AS ok_evaluation,
           (len(coalesce(provenances, [])) = 0 OR list_contains(provenances, s.provenance)) AS ok_provenance,
           (len(coalesce(freshness, [])) = 0
               OR list_contains(freshness, CASE WHEN s.stale THEN 'stale' ELSE 'current' END)) AS ok_freshness
    FROM searched s
)
SELECT *,
       (NOT ok_approach)::INTEGER + (NOT ok_target)::INTEGER + (NOT ok_stakeholder)::INTEGER
     + (NOT ok_country)::INTEGER + (NOT ok_region)::INTEGER + (NOT ok_pop)::INTEGER + (NOT ok_kind)::INTEGER
     + (NOT ok_status)::INTEGER + (NOT ok_evaluation)::INTEGER + (NOT ok_provenance)::INTEGER
     + (NOT ok_freshness)::INTEGER AS misses
FROM flagged;
