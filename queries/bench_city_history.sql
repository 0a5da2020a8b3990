-- One member's submitted or validated assessments over all rounds, one row per answer: round year,
-- assessment status, date assessed, who submitted, provenance (reported or invented), dimension id,
-- level (NULL when not applicable), not-applicable flag and evidence. Oldest round first.
-- @param member_id VARCHAR the member's id
SELECT a.round_year, a.status, a.assessed_on, a.submitted_by, a.provenance,
       s.dimension_id, s.level, s.not_applicable, s.evidence
FROM assessments a
JOIN assessment_scores s ON s.assessment_id = a.id
WHERE a.member_id = $member_id AND a.status IN ('submitted', 'validated')
ORDER BY a.round_year, s.dimension_id
