-- The earliest and latest start year of any activity (the bounds of the year filter); one row.
SELECT min(start_year) AS first_year, max(start_year) AS last_year FROM activities
