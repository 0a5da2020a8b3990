-- Facts about the dataset: key and value pairs (demo, scores, seed, built_at, generator).
SELECT key, value FROM dataset_info ORDER BY key
