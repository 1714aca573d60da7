-- Appends the good records of the batch to flow_records (read as the view `flows`).
-- Reads: converted. Writes: flow_records. Params: none.
INSERT INTO flow_records BY NAME
SELECT * EXCLUDE (raw, reason)
FROM converted
WHERE reason IS NULL;
