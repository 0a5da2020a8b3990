-- Current members (not former) per country: ISO code, English and French country name, count; largest first.
SELECT c.code AS country_code, c.name_en, c.name_fr, c.name_de, count(*) AS members
FROM members m
JOIN countries c ON c.code = m.country_code
WHERE m.status <> 'former'
GROUP BY ALL
ORDER BY members DESC, c.name_en
