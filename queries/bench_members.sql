-- Members that can be benchmarked (not former): id, name, kind, country code and names (en/fr), European
-- region id and labels (en/fr), population. Sorted by name for pickers.
SELECT m.id, m.name, m.kind, m.country_code, c.name_en AS country_en, c.name_fr AS country_fr, c.name_de AS country_de,
       c.region, r.label_en AS region_en, r.label_fr AS region_fr, r.label_de AS region_de, m.population
FROM members m
JOIN countries c ON c.code = m.country_code
JOIN regions r ON r.id = c.region
WHERE m.status <> 'former'
ORDER BY m.name, m.id
