-- Every action of every plan without saying whose (issue 16: /present shows plans aggregated only): dimension,
-- status, due date and provenance. Counted per dimension and status by alliance.actions.aggregate.
SELECT dimension_id, status, due_date, provenance
FROM actions
ORDER BY dimension_id, status
