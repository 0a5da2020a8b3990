-- Every member (former ones too) with the facts its profile shows: id, name, kind, status, country code and
-- names (en/fr), region, latitude, longitude, population, date joined, website, and its networks' English and
-- French labels joined by ', ' (text, not lists: cheaper to cache at 10,000 members). Sorted by name.
SELECT m.id, m.name, m.kind, m.status, m.country_code, c.name_en AS country_en, c.name_fr AS country_fr, c.name_de AS country_de,
       c.region, m.latitude, m.longitude, m.population, m.joined_on, m.website,
       coalesce(string_agg(n.label_en, ', ' ORDER BY n.label_en), '') AS networks_en,
       coalesce(string_agg(n.label_fr, ', ' ORDER BY n.label_en), '') AS networks_fr,
       coalesce(string_agg(coalesce(n.label_de, n.label_en), ', ' ORDER BY n.label_en), '') AS networks_de
FROM members m
JOIN countries c ON c.code = m.country_code
LEFT JOIN member_networks mn ON mn.member_id = m.id
LEFT JOIN networks n ON n.id = mn.network_id
GROUP BY ALL
ORDER BY m.name, m.id
