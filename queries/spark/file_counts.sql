-- Spark: per file, the rows checked, and of them the records and the quarantined ones.
-- Reads: converted. Writes: nothing. Params: none.
SELECT
    source_file,
    count_if(reason IS NULL) AS records,
    count_if(reason IS NOT NULL) AS quarantined
FROM converted
GROUP BY source_file;
