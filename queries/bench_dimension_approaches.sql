-- Which practice approaches help a city progress on which dimension: dimension id, approach id and
-- approach labels (en/fr).
SELECT da.dimension_id, da.approach_id, ap.label_en AS approach_en, ap.label_fr AS approach_fr, ap.label_de AS approach_de
FROM dimension_approaches da
JOIN approaches ap ON ap.id = da.approach_id
ORDER BY da.dimension_id, da.approach_id
