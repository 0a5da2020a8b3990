-- Activities not archived per approach: approach id, English and French label, count; every approach
-- appears, with 0 when no activity uses it.
SELECT a.id AS approach_id, a.label_en, a.label_fr, a.label_de, count(act.id) AS activities
FROM approaches a
LEFT JOIN activity_approaches aa ON aa.approach_id = a.id
LEFT JOIN activities act ON act.id = aa.activity_id AND act.status <> 'archived'
GROUP BY ALL
ORDER BY activities DESC, a.id
