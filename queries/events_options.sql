-- What the events can be filtered on: facet (kind, language, dimension, host) and value, with the number of
-- events having it; dimension values are codes, with their English and French labels.
SELECT 'kind' AS facet, kind AS value, count(*) AS events, NULL AS label_en, NULL AS label_fr FROM events GROUP BY kind
UNION ALL
SELECT 'language', lang, count(*), NULL, NULL FROM (SELECT unnest(languages) AS lang FROM events) GROUP BY lang
UNION ALL
SELECT 'dimension', d.code, count(*), d.short_en, d.short_fr FROM event_dimensions ed
JOIN dimensions d ON d.id = ed.dimension_id GROUP BY d.code, d.short_en, d.short_fr, d.sort_order
UNION ALL
SELECT 'host', m.id, count(*), m.name, m.name FROM events e JOIN members m ON m.id = e.host_member_id GROUP BY m.id, m.name
ORDER BY facet, value
