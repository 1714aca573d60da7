-- The quarantine as written to malformed.parquet (--out).
-- Reads: malformed. Writes: nothing. Params: none.
SELECT source_file, line_number, reason, raw
FROM malformed
ORDER BY source_file, line_number;
