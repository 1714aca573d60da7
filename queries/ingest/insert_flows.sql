-- Appends the good records of the staged batch to flows.
-- Reads: staged. Writes: flows. Params: none.
INSERT INTO flows BY NAME
SELECT * EXCLUDE (raw, reason)
FROM staged
WHERE reason IS NULL;
