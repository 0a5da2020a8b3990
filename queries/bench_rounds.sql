-- Assessment rounds with how many submitted or validated assessments each holds, newest first.
SELECT r.year AS round_year, r.opened_on,
       count(a.id) FILTER (WHERE a.status IN ('submitted', 'validated')) AS assessments
FROM rounds r
LEFT JOIN assessments a ON a.round_year = r.year
GROUP BY ALL
ORDER BY r.year DESC
