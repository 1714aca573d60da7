-- Appends the good records of the batch to flows.
-- Reads: converted. Writes: flows. Params: none.
INSERT INTO flows BY NAME
SELECT * EXCLUDE (raw, reason)
FROM converted
WHERE reason IS NULL;
