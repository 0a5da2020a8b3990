-- The activities one member leads or takes part in: activity id, title (with original_language and the
-- title_<code> translations), the member's role (lead or partner), kind, start and end year, status,
-- evaluation, provenance (documented or invented) and the approaches' English and French labels.
-- Current ones first (ongoing, planned, completed, archived), then newest first.
-- @param member_id VARCHAR the member's id
WITH mine AS (
    SELECT id AS activity_id, 'lead' AS role FROM activities WHERE lead_member_id = $member_id
    UNION
    SELECT activity_id, 'partner' FROM activity_partners
    WHERE member_id = $member_id
      AND activity_id NOT IN (SELECT id FROM activities WHERE lead_member_id = $member_id)
), labels AS (
    SELECT aa.activity_id, list(ap.label_en ORDER BY ap.label_en) AS approaches_en,
           list(ap.label_fr ORDER BY ap.label_en) AS approaches_fr,
           list(coalesce(ap.label_de, ap.label_en) ORDER BY ap.label_en) AS approaches_de
    FROM activity_approaches aa
    JOIN approaches ap ON ap.id = aa.approach_id
    WHERE aa.activity_id IN (SELECT activity_id FROM mine)
    GROUP BY aa.activity_id
)
SELECT act.id, act.title, act.original_language, COLUMNS('^title_[a-z]{2}$'), mine.role, act.kind, act.start_year,
       act.end_year, act.status, act.evaluation, act.provenance,
       coalesce(labels.approaches_en, []::VARCHAR[]) AS approaches_en,
       coalesce(labels.approaches_fr, []::VARCHAR[]) AS approaches_fr,
       coalesce(labels.approaches_de, []::VARCHAR[]) AS approaches_de
FROM mine
JOIN activities act ON act.id = mine.activity_id
LEFT JOIN labels ON labels.activity_id = act.id
ORDER BY CASE act.status WHEN 'ongoing' THEN 0 WHEN 'planned' THEN 1 WHEN 'completed' THEN 2 ELSE 3 END,
         act.start_year DESC NULLS LAST, act.id
