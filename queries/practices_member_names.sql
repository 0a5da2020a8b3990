-- Names and countries of the given members (partners of exported practices): id, name, country code.
-- @param ids LIST = NULL member ids
SELECT id, name, country_code FROM members WHERE list_contains(coalesce($ids::VARCHAR[], []), id) ORDER BY id
