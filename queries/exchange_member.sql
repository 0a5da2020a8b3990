-- One member's id, name, country, region and population (for ordering peers by similarity).
-- @param member_id VARCHAR = NULL the member
SELECT m.id, m.name, m.country_code, c.region, m.population
FROM members m JOIN countries c ON c.code = m.country_code
WHERE m.id = $member_id
