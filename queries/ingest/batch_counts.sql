-- Counts, per file, the records and the quarantined lines of the staged batch.
-- Reads: staged. Writes: nothing. Params: none.
SELECT
    source_file,
    count(*) FILTER (WHERE reason IS NULL) AS records,
    count(*) FILTER (WHERE reason IS NOT NULL) AS malformed
FROM staged
GROUP BY source_file;
