-- The spread of the given members' overall index in each round (submitted or validated assessments only):
-- round year, number of members with an index, lower quartile, median, upper quartile. The index is the
-- weighted mean of level x 20 over applicable answers, as alliance.scoring.weighted_index computes it.
-- @param member_ids VARCHAR[] the peers' ids
-- @param weights DOUBLE[] the weight of dimension i at list position i (1-based)
-- @param validated_only BOOLEAN = false only rounds an administrator validated
WITH wanted AS (SELECT DISTINCT unnest(CAST($member_ids AS VARCHAR[])) AS member_id),
indices AS (
    SELECT round_year, member_id,
           sum(level * 20.0 * list_extract(CAST($weights AS DOUBLE[]), dimension_id))
             / nullif(sum(list_extract(CAST($weights AS DOUBLE[]), dimension_id)), 0) AS idx
    FROM (
        SELECT a.round_year, a.member_id, s.dimension_id, CASE WHEN ri.review_id IS NULL THEN s.level ELSE ri.agreed_level END AS level,
               CASE WHEN ri.review_id IS NULL THEN s.not_applicable ELSE ri.agreed_not_applicable END AS not_applicable
        FROM assessments a
        JOIN assessment_scores s ON s.assessment_id = a.id
        -- a validated round counts with the levels agreed in its review (round_review_items), the city's answers otherwise
        LEFT JOIN round_reviews rv ON rv.assessment_id = a.id AND rv.state = 'validated' AND a.status = 'validated'
        LEFT JOIN round_review_items ri ON ri.review_id = rv.id AND ri.dimension_id = s.dimension_id
        WHERE a.status IN ('submitted', 'validated') AND a.member_id IN (SELECT member_id FROM wanted)
          AND (NOT $validated_only OR a.status = 'validated'))
    WHERE NOT not_applicable AND level IS NOT NULL
    GROUP BY ALL
)
SELECT round_year, count(*) AS n, quantile_cont(idx, 0.25) AS q1, median(idx) AS median,
       quantile_cont(idx, 0.75) AS q3
FROM indices
WHERE idx IS NOT NULL
GROUP BY round_year
ORDER BY round_year
