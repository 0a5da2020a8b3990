-- Members that can be assessed (not former members): id, name, country code and country names, by name.
SELECT m.id, m.name, m.country_code, c.name_en AS country_en, c.name_fr AS country_fr, c.name_de AS country_de
FROM members m
JOIN countries c ON c.code = m.country_code
WHERE m.status <> 'former'
ORDER BY m.name, m.id
