-- Public counts per framework dimension: published offers covering it, open needs about it, and exchanges
-- (requests accepted or done) for offers covering it; dimension id, code, sort order, labels and short labels. Counts only,
-- never which cities.
SELECT d.id AS dimension_id, d.code, d.sort_order, COLUMNS('^(label|short)_[a-z]{2}$'),
       (SELECT count(*) FROM offer_dimensions od JOIN offers o ON o.id = od.offer_id
        WHERE od.dimension_id = d.id AND o.state = 'published') AS offers,
       (SELECT count(*) FROM need_dimensions nd JOIN needs n ON n.id = nd.need_id
        WHERE nd.dimension_id = d.id AND n.state = 'open') AS needs,
       (SELECT count(*) FROM exchange_requests r JOIN offer_dimensions od ON od.offer_id = r.offer_id
        WHERE od.dimension_id = d.id AND r.state IN ('accepted', 'done')) AS exchanges
FROM dimensions d
ORDER BY d.sort_order
