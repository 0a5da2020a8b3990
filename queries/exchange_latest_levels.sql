-- A member's levels in its latest self-assessment that is not a draft: round_year, dimension_id, level
-- (NULL when not answered or not applicable).
-- @param member_id VARCHAR = NULL the member
WITH latest AS (
    SELECT id, round_year FROM assessments
    WHERE member_id = $member_id AND status <> 'draft'
    ORDER BY round_year DESC LIMIT 1
)
SELECT l.round_year, s.dimension_id, s.level
FROM latest l
JOIN assessment_scores s ON s.assessment_id = l.id
ORDER BY s.dimension_id
