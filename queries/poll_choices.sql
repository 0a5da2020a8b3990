-- The answers offered for the poll's questions: for each question's dimension and each maturity level
-- 0-5, the level's label and the dimension's level descriptor, in English and French.
-- @param code VARCHAR the poll's code
SELECT q.dimension_id, ml.level, ml.label_en, ml.label_fr, ml.label_de, ld.descriptor_en, ld.descriptor_fr, ld.descriptor_de
FROM poll_questions q
JOIN maturity_levels ml ON true
LEFT JOIN level_descriptors ld ON ld.dimension_id = q.dimension_id AND ld.level = ml.level
WHERE q.poll_code = $code
ORDER BY q.position, ml.level
