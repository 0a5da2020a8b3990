-- The labelled options of the catalogue's data facets: facet (approach, target_group, stakeholder, country,
-- region), value id, English and French label and description. Countries are those with at least one member.
SELECT 'approach' AS facet, id AS value, label_en, label_fr, label_de, description_en, description_fr, description_de FROM approaches
UNION ALL
SELECT 'target_group', id, label_en, label_fr, label_de, description_en, description_fr, description_de FROM target_groups
UNION ALL
SELECT 'stakeholder', id, label_en, label_fr, label_de, description_en, description_fr, description_de FROM stakeholders
UNION ALL
SELECT 'country', code, name_en, name_fr, name_de, NULL, NULL, NULL FROM countries
WHERE code IN (SELECT DISTINCT country_code FROM members)
UNION ALL
SELECT 'region', id, label_en, label_fr, label_de, NULL, NULL, NULL FROM regions
ORDER BY facet, value
