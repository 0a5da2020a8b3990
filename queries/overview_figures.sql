-- Headline figures of the alliance: one row with current members (status member or observer: the count every
-- page uses), how many of them are observers, their countries, activities not archived,
-- externally evaluated or peer-reviewed activities, the latest assessment round and how many assessed in it.
SELECT
    (SELECT count(*) FROM members WHERE status <> 'former')                        AS members,
    (SELECT count(*) FROM members WHERE status = 'observer')                       AS observers,
    (SELECT count(DISTINCT country_code) FROM members WHERE status <> 'former')    AS countries,
    (SELECT count(*) FROM activities WHERE status <> 'archived')                   AS activities,
    (SELECT count(*) FROM activities
      WHERE status <> 'archived' AND evaluation IN ('external', 'peer_reviewed'))  AS evaluated_activities,
    (SELECT max(round_year) FROM assessments WHERE status <> 'draft')              AS latest_round,
    (SELECT count(*) FROM assessments
      WHERE status <> 'draft'
        AND round_year = (SELECT max(round_year) FROM assessments WHERE status <> 'draft')) AS assessed_in_latest_round
