-- One dimension's answer in each member's latest self-assessment (drafts do not count): member id, round
-- year, level (0-5, NULL when not applicable or unanswered) and whether it was marked not applicable.
-- Members without an assessment are absent. A validated round's level is the one agreed in its review.
-- @param dimension_id INTEGER the dimension (dimensions.id)
-- @param validated_only BOOLEAN = false only rounds an administrator validated
WITH latest AS (
    SELECT member_id, id AS assessment_id, round_year, status
    FROM assessments
    WHERE status <> 'draft' AND (NOT $validated_only OR status = 'validated')
    QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY round_year DESC) = 1
)
SELECT l.member_id, l.round_year, CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END AS level,
       coalesce(CASE WHEN ri.review_id IS NULL THEN s.not_applicable ELSE ri.agreed_not_applicable END, false) AS not_applicable
FROM latest l
LEFT JOIN assessment_scores s ON s.assessment_id = l.assessment_id AND s.dimension_id = $dimension_id
LEFT JOIN round_reviews rv ON rv.assessment_id = l.assessment_id AND rv.state = 'validated' AND l.status = 'validated'
LEFT JOIN round_review_items ri ON ri.review_id = rv.id AND ri.dimension_id = $dimension_id
ORDER BY l.member_id
