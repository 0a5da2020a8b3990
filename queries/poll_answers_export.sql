-- Every stored answer of one poll, for export: poll code, question position, dimension code, anonymous
-- participant token, level, when it was last answered and how many times it was changed.
-- @param code VARCHAR the poll's code
SELECT a.poll_code, q.position AS question, d.code AS dimension, a.participant, a.level,
       a.answered_at, a.changes
FROM poll_answers a
JOIN poll_questions q ON q.poll_code = a.poll_code AND q.dimension_id = a.dimension_id
JOIN dimensions d ON d.id = a.dimension_id
WHERE a.poll_code = $code
ORDER BY q.position, a.answered_at, a.participant
