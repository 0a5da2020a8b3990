-- Every level descriptor of every dimension, with the maturity level's own labels: dimension id, level,
-- descriptor (en/fr), level label (en/fr).
SELECT ld.dimension_id, ld.level, ld.descriptor_en, ld.descriptor_fr, ld.descriptor_de,
       ml.label_en AS level_label_en, ml.label_fr AS level_label_fr, ml.label_de AS level_label_de
FROM level_descriptors ld
JOIN maturity_levels ml ON ml.level = ld.level
ORDER BY ld.dimension_id, ld.level
