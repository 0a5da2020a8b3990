-- Assessment rounds, newest first: year and opening date.
SELECT year AS round_year, opened_on FROM rounds ORDER BY year DESC
