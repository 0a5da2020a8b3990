-- One member's submitted or validated assessments over all rounds, one row per answer: round year,
-- assessment status, date assessed, who submitted, provenance (reported or invented), dimension id,
-- level (NULL when not applicable; a validated round's level agreed in its review), not-applicable flag,
-- evidence, and the city's own level and flag as answered. Oldest round first.
-- @param member_id VARCHAR the member's id
-- @param validated_only BOOLEAN = false only rounds an administrator validated
SELECT a.round_year, a.status, a.assessed_on, a.submitted_by, a.provenance,
       s.dimension_id, CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END AS level,
       CASE WHEN ri.review_id IS NULL THEN s.not_applicable ELSE ri.agreed_not_applicable END AS not_applicable,
       s.evidence, s.level AS original_level, s.not_applicable AS original_not_applicable
FROM assessments a
JOIN assessment_scores s ON s.assessment_id = a.id
-- a validated round counts with the levels agreed in its review (round_review_items), the city's answers otherwise
LEFT JOIN round_reviews rv ON rv.assessment_id = a.id AND rv.state = 'validated' AND a.status = 'validated'
LEFT JOIN round_review_items ri ON ri.review_id = rv.id AND ri.dimension_id = s.dimension_id
WHERE a.member_id = $member_id AND a.status IN ('submitted', 'validated')
  AND (NOT $validated_only OR a.status = 'validated')
ORDER BY a.round_year, s.dimension_id
