-- The choices offered by the map's filters, in one long table: kind (country, region, network, approach,
-- dimension), id, English and French label, and for a country its region. Only countries with members.
SELECT 'country' AS kind, c.code AS id, c.name_en AS label_en, c.name_fr AS label_fr, c.name_de AS label_de, c.region
FROM countries c WHERE EXISTS (SELECT 1 FROM members m WHERE m.country_code = c.code)
UNION ALL
SELECT 'region', id, label_en, label_fr, label_de, NULL FROM regions
UNION ALL
SELECT 'network', id, label_en, label_fr, label_de, NULL FROM networks
UNION ALL
SELECT 'approach', id, label_en, label_fr, label_de, NULL FROM approaches
UNION ALL
SELECT 'dimension', CAST(id AS VARCHAR), label_en, label_fr, label_de, NULL FROM dimensions
ORDER BY kind, label_en
