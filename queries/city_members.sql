-- Every member (former ones too) with the facts its profile shows: id, name, kind, status, country code and
-- names (en/fr), region, latitude, longitude, population, date joined, website, and its networks as lists of
-- ids and of English and French labels. Sorted by name for the city picker.
SELECT m.id, m.name, m.kind, m.status, m.country_code, c.name_en AS country_en, c.name_fr AS country_fr,
       c.region, m.latitude, m.longitude, m.population, m.joined_on, m.website,
       coalesce(list(n.id ORDER BY n.label_en) FILTER (WHERE n.id IS NOT NULL), []::VARCHAR[]) AS network_ids,
       coalesce(list(n.label_en ORDER BY n.label_en) FILTER (WHERE n.id IS NOT NULL), []::VARCHAR[]) AS networks_en,
       coalesce(list(n.label_fr ORDER BY n.label_en) FILTER (WHERE n.id IS NOT NULL), []::VARCHAR[]) AS networks_fr
FROM members m
JOIN countries c ON c.code = m.country_code
LEFT JOIN member_networks mn ON mn.member_id = m.id
LEFT JOIN networks n ON n.id = mn.network_id
GROUP BY ALL
ORDER BY m.name, m.id
