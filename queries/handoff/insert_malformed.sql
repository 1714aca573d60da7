-- Spark engine: the quarantine of Spark's read, handed to DuckDB through Arrow, into the staging
-- table of a load (made malformed by the load's swap).
-- Reads: spark_malformed (Arrow: source_file, line_number, reason, raw). Writes: malformed_loading.
-- Params: none.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
SELECT source_file, line_number, reason, raw
FROM spark_malformed;
