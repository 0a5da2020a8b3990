-- Every answer of one round's submitted or validated assessments (drafts never count in benchmarks):
-- member id, dimension id, level (NULL when not applicable) and the not-applicable flag.
-- @param round_year INTEGER the assessment round
SELECT a.member_id, s.dimension_id, s.level, s.not_applicable
FROM assessments a
JOIN assessment_scores s ON s.assessment_id = a.id
JOIN members m ON m.id = a.member_id
WHERE a.round_year = $round_year AND a.status IN ('submitted', 'validated') AND m.status <> 'former'
ORDER BY a.member_id, s.dimension_id
