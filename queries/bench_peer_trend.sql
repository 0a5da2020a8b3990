-- The spread of the given members' overall index in each round (submitted or validated assessments only):
-- round year, number of members with an index, lower quartile, median, upper quartile. The index is the
-- weighted mean of level x 20 over applicable answers, as alliance.scoring.weighted_index computes it.
-- @param member_ids VARCHAR[] the peers' ids
-- @param weights DOUBLE[] the weight of dimension i at list position i (1-based)
WITH wanted AS (SELECT DISTINCT unnest(CAST($member_ids AS VARCHAR[])) AS member_id),
indices AS (
    SELECT a.round_year, a.member_id,
           sum(s.level * 20.0 * list_extract(CAST($weights AS DOUBLE[]), s.dimension_id))
             / nullif(sum(list_extract(CAST($weights AS DOUBLE[]), s.dimension_id)), 0) AS idx
    FROM assessments a
    JOIN assessment_scores s ON s.assessment_id = a.id
    WHERE a.status IN ('submitted', 'validated') AND a.member_id IN (SELECT member_id FROM wanted)
      AND NOT s.not_applicable AND s.level IS NOT NULL
    GROUP BY ALL
)
SELECT round_year, count(*) AS n, quantile_cont(idx, 0.25) AS q1, median(idx) AS median,
       quantile_cont(idx, 0.75) AS q3
FROM indices
WHERE idx IS NOT NULL
GROUP BY round_year
ORDER BY round_year
