-- The events a member hosts (for its profile): id, title_en, title_fr (and other title_<code> columns), kind,
-- starts_on, ends_on, is_past. Upcoming ones first (soonest first), then past ones (newest first).
-- @param member_id VARCHAR the host member's id
SELECT id, COLUMNS('^title_[a-z]{2}$'), kind, starts_on, ends_on, ends_on < current_date AS is_past
FROM events
WHERE host_member_id = $member_id
ORDER BY is_past, CASE WHEN NOT is_past THEN starts_on END ASC, starts_on DESC, id
