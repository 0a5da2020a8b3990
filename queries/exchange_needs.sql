-- Open needs of the exchange, filtered: the need's columns, the member's name and country, and the dimension
-- ids and codes it is about. Newest first.
-- @param dimensions LIST = NULL dimension codes (any of)
-- @param countries LIST = NULL country codes of the member (any of)
-- @param by_member VARCHAR = NULL only the needs of this member (NULL: every member's)
WITH listed AS (
    SELECT n.*, m.name AS member_name, m.country_code,
           coalesce((SELECT list(nd.dimension_id ORDER BY d.sort_order) FROM need_dimensions nd
                     JOIN dimensions d ON d.id = nd.dimension_id WHERE nd.need_id = n.id), []) AS dimension_ids,
           coalesce((SELECT list(d.code ORDER BY d.sort_order) FROM need_dimensions nd
                     JOIN dimensions d ON d.id = nd.dimension_id WHERE nd.need_id = n.id), []) AS dimension_codes
    FROM needs n
    JOIN members m ON m.id = n.member_id
    WHERE n.state = 'open'
)
SELECT * FROM listed
WHERE ($dimensions IS NULL OR len($dimensions) = 0 OR len(list_intersect($dimensions, dimension_codes)) > 0)
  AND ($countries IS NULL OR len($countries) = 0 OR list_contains($countries, country_code))
  AND ($by_member IS NULL OR member_id = $by_member)
ORDER BY updated_on DESC, id
