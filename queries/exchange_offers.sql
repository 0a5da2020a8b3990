-- Published offers of the exchange, filtered: the offer's columns, the offering member's name and country,
-- the dimension ids and codes and the approach ids it covers, and whether it has ended (available_to before
-- today). Newest first. Contact persons are not here (exchange_contacts is private).
-- @param kinds LIST = NULL offer kinds (any of)
-- @param dimensions LIST = NULL dimension codes (any of)
-- @param languages LIST = NULL language codes (any of)
-- @param countries LIST = NULL country codes of the offering member (any of)
-- @param by_member VARCHAR = NULL only the offers of this member (NULL: every member's)
WITH listed AS (
    SELECT o.*, m.name AS member_name, m.country_code,
           coalesce((SELECT list(od.dimension_id ORDER BY d.sort_order) FROM offer_dimensions od
                     JOIN dimensions d ON d.id = od.dimension_id WHERE od.offer_id = o.id), []) AS dimension_ids,
           coalesce((SELECT list(d.code ORDER BY d.sort_order) FROM offer_dimensions od
                     JOIN dimensions d ON d.id = od.dimension_id WHERE od.offer_id = o.id), []) AS dimension_codes,
           coalesce((SELECT list(approach_id ORDER BY approach_id) FROM offer_approaches oa
                     WHERE oa.offer_id = o.id), []) AS approach_ids,
           coalesce(o.available_to < current_date, false) AS ended
    FROM offers o
    JOIN members m ON m.id = o.member_id
    WHERE o.state = 'published'
)
SELECT * FROM listed
WHERE ($kinds IS NULL OR len($kinds) = 0 OR list_contains($kinds, kind))
  AND ($dimensions IS NULL OR len($dimensions) = 0 OR len(list_intersect($dimensions, dimension_codes)) > 0)
  AND ($languages IS NULL OR len($languages) = 0 OR len(list_intersect($languages, languages)) > 0)
  AND ($countries IS NULL OR len($countries) = 0 OR list_contains($countries, country_code))
  AND ($by_member IS NULL OR member_id = $by_member)
ORDER BY ended, updated_on DESC, id
