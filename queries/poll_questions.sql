-- The questions of one poll in order: position, dimension id, the dimension's short label and question in
-- English and French.
-- @param code VARCHAR the poll's code
SELECT q.position, q.dimension_id, d.short_en, d.short_fr, d.short_de, d.question_en, d.question_fr, d.question_de
FROM poll_questions q
JOIN dimensions d ON d.id = q.dimension_id
WHERE q.poll_code = $code
ORDER BY q.position
