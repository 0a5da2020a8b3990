-- Practice entries written in the app, each in its newest revision: practice_id, member_id, member_name,
-- country_code, title, state, revision, saved_at, saved_by, proposed_evaluation, in_catalogue (a version is
-- published). Newest first.
-- @param members LIST = NULL only these lead members (NULL: all)
-- @param states LIST = NULL only entries in these states (NULL: all)
WITH newest AS (  -- the newest revision first, then the state filter (a state of the past does not count)
    SELECT * FROM practice_revisions
    WHERE $members IS NULL OR list_contains($members, member_id)
    QUALIFY row_number() OVER (PARTITION BY practice_id ORDER BY revision DESC) = 1
)
SELECT r.practice_id, r.member_id, m.name AS member_name, m.country_code, r.record ->> 'title' AS title,
       r.state, r.revision, r.saved_at, r.saved_by, r.proposed_evaluation,
       r.practice_id IN (SELECT id FROM activities) AS in_catalogue
FROM newest r
JOIN members m ON m.id = r.member_id
WHERE $states IS NULL OR list_contains($states, r.state)
ORDER BY r.saved_at DESC, r.practice_id
