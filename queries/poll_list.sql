-- Every poll, newest first: code, who opened it, when, when it was closed (NULL while open), how many
-- questions it asks, how many participants answered at least once and how many answers it holds.
SELECT p.code, p.created_by, p.created_at, p.closed_at,
       (SELECT count(*) FROM poll_questions q WHERE q.poll_code = p.code) AS questions,
       (SELECT count(DISTINCT a.participant) FROM poll_answers a WHERE a.poll_code = p.code) AS participants,
       (SELECT count(*) FROM poll_answers a WHERE a.poll_code = p.code) AS answers
FROM polls p
ORDER BY p.created_at DESC, p.code
