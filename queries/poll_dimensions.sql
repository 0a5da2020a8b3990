-- The framework dimensions a poll can ask about, in framework order: id, code, short label and question in
-- English and French.
SELECT id AS dimension_id, code, short_en, short_fr, short_de, question_en, question_fr, question_de
FROM dimensions
ORDER BY sort_order, id
