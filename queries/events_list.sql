-- The alliance's events, filtered: id, titles and summaries (en, fr), kind, host member id, name and country,
-- place, start and end dates, languages, link, poll code (when that poll exists), provenance, the framework
-- dimension codes and approach ids covered, and the ids of the practices presented. Upcoming events soonest
-- first; past ones (and all) newest first.
-- @param when VARCHAR = 'upcoming' upcoming (ending today or later), past (ended before today) or all
-- @param today DATE = NULL the date that splits past from upcoming (NULL: the current date)
-- @param kinds LIST = NULL event kinds (any of)
-- @param languages LIST = NULL language codes (any of)
-- @param dimensions LIST = NULL dimension codes (any of)
-- @param hosts LIST = NULL host member ids (any of)
WITH listed AS (
    SELECT e.*, m.name AS host_name, m.country_code AS host_country,
           coalesce((SELECT list(d.code ORDER BY d.sort_order) FROM event_dimensions ed
                     JOIN dimensions d ON d.id = ed.dimension_id WHERE ed.event_id = e.id), []) AS dimension_codes,
           coalesce((SELECT list(approach_id ORDER BY approach_id) FROM event_approaches ea
                     WHERE ea.event_id = e.id), []) AS approach_ids,
           coalesce((SELECT list(activity_id ORDER BY activity_id) FROM event_practices ep
                     JOIN activities a ON a.id = ep.activity_id WHERE ep.event_id = e.id), []) AS practice_ids,
           e.ends_on < coalesce($today, current_date) AS is_past
    FROM events e
    JOIN members m ON m.id = e.host_member_id
)
SELECT * EXCLUDE (poll_code),
       CASE WHEN poll_code IN (SELECT code FROM polls) THEN poll_code END AS poll_code
FROM listed
WHERE ($when = 'all' OR ($when = 'past') = is_past)
  AND ($kinds IS NULL OR len($kinds) = 0 OR list_contains($kinds, kind))
  AND ($languages IS NULL OR len($languages) = 0 OR len(list_intersect($languages, languages)) > 0)
  AND ($dimensions IS NULL OR len($dimensions) = 0 OR len(list_intersect($dimensions, dimension_codes)) > 0)
  AND ($hosts IS NULL OR len($hosts) = 0 OR list_contains($hosts, host_member_id))
ORDER BY CASE WHEN $when = 'upcoming' THEN starts_on END ASC, starts_on DESC, id
