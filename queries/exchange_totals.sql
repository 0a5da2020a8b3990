-- Headline counts of the peer exchange, for the overview: published offers, open needs, exchanges (requests
-- accepted or done) and requests waiting for an answer. Counts only, never which cities.
SELECT
    (SELECT count(*) FROM offers WHERE state = 'published')                       AS offers,
    (SELECT count(*) FROM needs WHERE state = 'open')                             AS needs,
    (SELECT count(*) FROM exchange_requests WHERE state IN ('accepted', 'done'))  AS exchanges,
    (SELECT count(*) FROM exchange_requests WHERE state = 'proposed')             AS proposed
