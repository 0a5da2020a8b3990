-- The distribution of one poll's answers: for every question (dimension) and every maturity level 0-5,
-- the number of participants whose current answer is that level (0 included), with the level's labels.
-- @param code VARCHAR the poll's code
SELECT q.position, q.dimension_id, ml.level, ml.label_en, ml.label_fr, ml.label_de,
       count(a.participant) AS answers
FROM poll_questions q
JOIN maturity_levels ml ON true
LEFT JOIN poll_answers a
       ON a.poll_code = q.poll_code AND a.dimension_id = q.dimension_id AND a.level = ml.level
WHERE q.poll_code = $code
GROUP BY q.position, q.dimension_id, ml.level, ml.label_en, ml.label_fr, ml.label_de
ORDER BY q.position, ml.level
