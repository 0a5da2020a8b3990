-- Public counts of exchanges (requests accepted or done) between countries: the requesting member's country,
-- the offering member's country, with both names, and the number. Counts only, never which cities.
SELECT rq.country_code AS from_country, cf.name_en AS from_name_en, cf.name_fr AS from_name_fr, cf.name_de AS from_name_de,
       ofm.country_code AS to_country, ct.name_en AS to_name_en, ct.name_fr AS to_name_fr, ct.name_de AS to_name_de,
       count(*) AS exchanges
FROM exchange_requests r
JOIN members rq ON rq.id = r.requesting_member_id
JOIN members ofm ON ofm.id = r.offering_member_id
JOIN countries cf ON cf.code = rq.country_code
JOIN countries ct ON ct.code = ofm.country_code
WHERE r.state IN ('accepted', 'done')
GROUP BY ALL
ORDER BY exchanges DESC, from_country, to_country
