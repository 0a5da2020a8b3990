-- Every answer of one round's submitted or validated assessments (drafts never count in benchmarks):
-- member id, dimension id, level (NULL when not applicable) and the not-applicable flag. A validated round's
-- levels are those agreed in its review.
-- @param round_year INTEGER the assessment round
-- @param validated_only BOOLEAN = false only rounds an administrator validated
SELECT a.member_id, s.dimension_id, CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END AS level,
       CASE WHEN ri.review_id IS NULL THEN s.not_applicable ELSE ri.agreed_not_applicable END AS not_applicable
FROM assessments a
JOIN assessment_scores s ON s.assessment_id = a.id
-- a validated round counts with the levels agreed in its review (round_review_items), the city's answers otherwise
LEFT JOIN round_reviews rv ON rv.assessment_id = a.id AND rv.state = 'validated' AND a.status = 'validated'
LEFT JOIN round_review_items ri ON ri.review_id = rv.id AND ri.dimension_id = s.dimension_id
JOIN members m ON m.id = a.member_id
WHERE a.round_year = $round_year AND a.status IN ('submitted', 'validated') AND m.status <> 'former'
  AND (NOT $validated_only OR a.status = 'validated')
ORDER BY a.member_id, s.dimension_id
