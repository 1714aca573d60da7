-- Appends the good records of the batch to flows.
-- Reads: checked. Writes: flows. Params: none.
INSERT INTO flows BY NAME
SELECT * EXCLUDE (raw, reason)
FROM checked
WHERE reason IS NULL;
