-- One dimension's answer in each member's latest self-assessment (drafts do not count): member id, round
-- year, level (0-5, NULL when not applicable or unanswered) and whether it was marked not applicable.
-- Members without an assessment are absent.
-- @param dimension_id INTEGER the dimension (dimensions.id)
WITH latest AS (
    SELECT member_id, id AS assessment_id, round_year
    FROM assessments
    WHERE status <> 'draft'
    QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY round_year DESC) = 1
)
SELECT l.member_id, l.round_year, s.level, coalesce(s.not_applicable, false) AS not_applicable
FROM latest l
LEFT JOIN assessment_scores s ON s.assessment_id = l.assessment_id AND s.dimension_id = $dimension_id
ORDER BY l.member_id
