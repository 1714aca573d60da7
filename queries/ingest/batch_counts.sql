-- Counts, per file, the records and the quarantined lines of the batch.
-- Reads: checked. Writes: nothing. Params: none.
SELECT
    source_file,
    count(*) FILTER (WHERE reason IS NULL) AS records,
    count(*) FILTER (WHERE reason IS NOT NULL) AS malformed
FROM checked
GROUP BY source_file;
