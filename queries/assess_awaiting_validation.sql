-- Reported self-assessments submitted and waiting for an administrator's validation, oldest first:
-- member id, name and country code, round, who submitted and on which day.
SELECT a.member_id, m.name, m.country_code, a.round_year, a.submitted_by, a.assessed_on
FROM assessments a
JOIN members m ON m.id = a.member_id
WHERE a.status = 'submitted' AND a.provenance = 'reported'
ORDER BY a.assessed_on, a.member_id, a.round_year
