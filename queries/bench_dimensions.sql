-- The 14 dimensions of the framework in display order: id, code, group id and labels (en/fr), group order,
-- default weight, labels and short labels (en/fr).
SELECT d.id AS dimension_id, d.code, d.group_id, g.label_en AS group_en, g.label_fr AS group_fr, g.label_de AS group_de,
       g.sort_order AS group_order, d.weight, d.sort_order, d.label_en, d.label_fr, d.label_de, d.short_en, d.short_fr, d.short_de
FROM dimensions d
JOIN dimension_groups g ON g.id = d.group_id
ORDER BY d.sort_order, d.id
