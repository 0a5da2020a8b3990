-- The maturity levels 0-5 with their English and French labels, lowest first.
SELECT level, label_en, label_fr, label_de FROM maturity_levels ORDER BY level
