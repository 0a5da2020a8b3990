-- Exchange requests that concern the given members (as the requesting or the offering city), newest first:
-- the request's columns, the offer's title and kind, both members' names and the need's text. Private (read
-- only for those members' editors and admins, by alliance.exchange.inbox).
-- @param member_ids LIST = NULL the members (NULL: every request, for an admin)
SELECT r.*, o.title AS offer_title, o.kind AS offer_kind,
       rq.name AS requesting_name, rq.country_code AS requesting_country,
       ofm.name AS offering_name, ofm.country_code AS offering_country, n.summary AS need_summary
FROM exchange_requests r
LEFT JOIN offers o ON o.id = r.offer_id
JOIN members rq ON rq.id = r.requesting_member_id
JOIN members ofm ON ofm.id = r.offering_member_id
LEFT JOIN needs n ON n.id = r.need_id
WHERE $member_ids IS NULL OR list_contains($member_ids, r.requesting_member_id)
   OR list_contains($member_ids, r.offering_member_id)
ORDER BY r.state IN ('done', 'declined'), greatest(r.proposed_at, coalesce(r.accepted_at, r.proposed_at),
         coalesce(r.done_at, r.proposed_at), coalesce(r.declined_at, r.proposed_at)) DESC, r.id DESC
