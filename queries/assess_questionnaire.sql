-- The questionnaire: one row per dimension and level (0-5), in framework order, with the dimension's group,
-- labels and question, the level's name and the dimension's descriptor of that level, in English and French.
SELECT d.id AS dimension_id, d.code, d.sort_order, d.group_id, g.sort_order AS group_order,
       g.label_en AS group_en, g.label_fr AS group_fr, g.label_de AS group_de,
       d.label_en, d.label_fr, d.label_de, d.question_en, d.question_fr, d.question_de,
       l.level, l.label_en AS level_label_en, l.label_fr AS level_label_fr, l.label_de AS level_label_de,
       x.descriptor_en, x.descriptor_fr, x.descriptor_de
FROM dimensions d
JOIN dimension_groups g ON g.id = d.group_id
CROSS JOIN maturity_levels l
LEFT JOIN level_descriptors x ON x.dimension_id = d.id AND x.level = l.level
ORDER BY g.sort_order, d.sort_order, d.id, l.level
